//! Section 7: every account page for the huge seller (a million messages, a hundred thousand
//! purchases, ten thousand sales) against a tiny seller, first and last pages of the long lists
//! included. One connection at a time (oha, closed loop), the two accounts interleaved page by
//! page and round by round, so both see the same machine.

use super::load::{self, Load, Pace, Request};
use super::Plan;
use anyhow::{bail, Result};
use std::net::SocketAddr;

/// The pages: a name for the report and the path.
pub const PAGES: [(&str, &str); 6] = [
    ("overview", "/en/account"),
    ("orders, first page", "/en/account/orders"),
    ("orders, last page", "/en/account/orders?page=last"),
    ("messages, first page", "/en/account/messages"),
    ("messages, last page", "/en/account/messages?page=last"),
    ("deactivate", "/en/account/deactivate"),
];

/// One page's runs, one per round.
pub struct AccountPage {
    pub name: &'static str,
    pub path: &'static str,
    pub tiny: Vec<Load>,
    pub huge: Vec<Load>,
}

pub fn measure(plan: &Plan, addr: SocketAddr, huge_cookie: &str, tiny_cookie: &str) -> Result<Vec<AccountPage>> {
    let mut pages: Vec<AccountPage> =
        PAGES.iter().map(|&(name, path)| AccountPage { name, path, tiny: Vec::new(), huge: Vec::new() }).collect();
    let request = |path: &str, cookie| Request {
        url: format!("http://{addr}{path}"),
        cookie: Some(cookie),
        form: None,
        keep_alive: false,
    };
    for page in &pages {
        for cookie in [tiny_cookie, huge_cookie] {
            let (status, _) = crate::net::http_get(addr, page.path, &[("Cookie", &format!("session={cookie}"))])?;
            if status != 200 {
                bail!("GET {} signed in answered {status} — see target/bench-server.log", page.path);
            }
        }
    }
    for round in 1..=plan.rounds {
        for page in &mut pages {
            let tiny = load::oha(&request(page.path, tiny_cookie), Pace::Closed { connections: 1 }, plan.page_time)?;
            let huge = load::oha(&request(page.path, huge_cookie), Pace::Closed { connections: 1 }, plan.page_time)?;
            println!("  round {round}, {}: p50 huge {:.2} ms, tiny {:.2} ms", page.name, huge.p50_ms, tiny.p50_ms);
            page.tiny.push(tiny);
            page.huge.push(huge);
        }
    }
    Ok(pages)
}
