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

/// One page's runs, one per round: `huge` on the side with the data, `tiny` on the baseline.
pub struct AccountPage {
    pub name: &'static str,
    pub path: &'static str,
    pub tiny: Vec<Load>,
    pub huge: Vec<Load>,
}

/// A signed-in browser of one server: its address and session cookie.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub addr: SocketAddr,
    pub cookie: &'a str,
}

pub fn measure(plan: &Plan, addr: SocketAddr, huge_cookie: &str, tiny_cookie: &str) -> Result<Vec<AccountPage>> {
    compare(plan, &PAGES, Side { addr, cookie: huge_cookie }, Side { addr, cookie: tiny_cookie })
}

/// Each of `pages` (a name and a path) for `huge` against `tiny`: each must answer 200, then
/// `plan.rounds` rounds, page by page, the two sides interleaved.
pub fn compare(
    plan: &Plan,
    pages: &[(&'static str, &'static str)],
    huge: Side,
    tiny: Side,
) -> Result<Vec<AccountPage>> {
    let mut measured: Vec<AccountPage> =
        pages.iter().map(|&(name, path)| AccountPage { name, path, tiny: Vec::new(), huge: Vec::new() }).collect();
    for page in &measured {
        for side in [tiny, huge] {
            let (status, _) =
                crate::net::http_get(side.addr, page.path, &[("Cookie", &format!("session={}", side.cookie))])?;
            if status != 200 {
                bail!("GET {} signed in answered {status} — see the bench server's log in target/", page.path);
            }
        }
    }
    for round in 1..=plan.rounds {
        for page in &mut measured {
            let tiny = load::oha(&request(tiny, page.path), Pace::Closed { connections: 1 }, plan.page_time)?;
            let huge = load::oha(&request(huge, page.path), Pace::Closed { connections: 1 }, plan.page_time)?;
            println!("  round {round}, {}: p50 {:.2} ms, baseline {:.2} ms", page.name, huge.p50_ms, tiny.p50_ms);
            page.tiny.push(tiny);
            page.huge.push(huge);
        }
    }
    Ok(measured)
}

/// A GET of `path` by `side`, each request on a new connection.
fn request<'a>(side: Side<'a>, path: &str) -> Request<'a> {
    Request { url: format!("http://{}{path}", side.addr), cookie: Some(side.cookie), form: None, keep_alive: false }
}
