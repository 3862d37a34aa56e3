//! Section 8: the staff's reason statistics page (issue 17, point 3) with three years of
//! statistics against the same page on empty statistics. Two databases on the bench's cluster,
//! each with a server process of its own (on the served core, as the others) and a staff member
//! signed in with a password just entered: one left empty, one given 5,000,000 deletions over
//! 1,095 days by the seeder of `cargo xtask reason-history` (with its progress bar). Then each
//! period of the page, and the CSV of the longest, one connection at a time, the two sides
//! interleaved page by page and round by round (`pages::compare`).

use super::deletion::Driver;
use super::pages::{self, AccountPage, Side};
use super::{settle, start_server, Plan};
use crate::huge::{show_progress, Psql};
use crate::net;
use crate::pg::TestServer;
use crate::reasons::{self, add_history, History};
use crate::workspace::Workspace;
use anyhow::{bail, Result};
use std::time::Instant;

/// The pages: a name for the report and the path.
pub const PAGES: [(&str, &str); 4] = [
    ("4 weeks", "/en/staff/reasons?weeks=4"),
    ("12 weeks (the default)", "/en/staff/reasons"),
    ("52 weeks", "/en/staff/reasons?weeks=52"),
    ("52 weeks as CSV", "/en/staff/reasons.csv?weeks=52"),
];
/// The databases: the baseline first.
const DATABASES: [&str; 2] = ["bench_reasons_empty", "bench_reasons_history"];

/// A staff member with the role, who never signs in by password (the bench makes its session);
/// prints its id.
const STAFF_SQL: &str = "
INSERT INTO accounts (email, password_hash, name, country)
VALUES ('staff@bench.example.test', '!', 'Bench Staff', 'FI') RETURNING id AS staff \\gset
INSERT INTO staff_members (account_id) VALUES (:'staff');
SELECT :'staff';";

pub struct StaffReasons {
    pub history: History,
    /// How long the seeder took.
    pub seeding_s: f64,
    /// `huge`: with the history; `tiny`: empty.
    pub pages: Vec<AccountPage>,
    /// `benchmarks/staff-breakdown.md`: where the page's time goes, measured by hand.
    pub breakdown: Option<String>,
}

/// The history of a run: the five million deletions, a tenth of that for `--quick`.
pub fn history(plan: &Plan) -> History {
    let deletions = if plan.quick { reasons::DEFAULT_DELETIONS / 10 } else { reasons::DEFAULT_DELETIONS };
    History { deletions, days: reasons::DEFAULT_DAYS }
}

pub fn measure(ws: &Workspace, plan: &Plan, database: &TestServer, driver: &Driver) -> Result<StaffReasons> {
    let history = history(plan);
    let mut servers = Vec::new();
    let mut urls = Vec::new();
    for name in DATABASES {
        let _ = database.drop_database(name);
        let url = database.create_database(name)?;
        // The server migrates its database before it answers as ready.
        servers.push(start_server(ws, &url, &format!("bench-{name}.log"))?);
        urls.push(url);
    }
    let started = Instant::now();
    add_history(&Psql::new(&urls[1])?, history, &mut show_progress)?;
    let seeding_s = started.elapsed().as_secs_f64();
    let mut cookies = Vec::new();
    for url in &urls {
        let psql = Psql::new(url)?;
        settle(&psql)?;
        let staff = psql.run(STAFF_SQL, &[])?;
        cookies.push(driver.on(url).session(&staff)?);
    }
    let counted = Psql::new(&urls[1])?.run("SELECT coalesce(sum(deletions), 0) FROM deletion_reason_counts;", &[])?;
    if counted.trim().parse::<u64>().unwrap_or(0) < history.deletions * 9 / 10 {
        bail!("the statistics count {counted} deletions after the seeder, not about {}", history.deletions);
    }
    let side = |n: usize| Side { addr: servers[n].1, cookie: &cookies[n] };
    // A page of 200 could still be the password form: both sides must show the report.
    for n in 0..2 {
        let (status, html) =
            net::http_get(servers[n].1, PAGES[1].1, &[("Cookie", &format!("session={}", cookies[n]))])?;
        if status != 200 || !String::from_utf8_lossy(&html).contains("reasons-chart") {
            bail!(
                "the staff page on {} answered {status} without its chart — see target/bench-{}.log",
                DATABASES[n],
                DATABASES[n]
            );
        }
    }
    let pages = pages::compare(plan, &PAGES, side(1), side(0))?;
    drop(servers);
    for name in DATABASES {
        let _ = database.drop_database(name);
    }
    let breakdown = std::fs::read_to_string(ws.root.join(super::report::STAFF_BREAKDOWN)).ok();
    Ok(StaffReasons { history, seeding_s, pages, breakdown })
}
