//! Two server processes on one database, as behind a load balancer: they share the erasure
//! queue without doing any account twice or deadlocking, and share sessions and rate limits.

use crate::deletion::{delete_account, seed, traces_of, Shape};
use crate::helpers::{fresh_database, ServerProcess};
use reqwest::{header, StatusCode};
use std::time::Duration;

const ACCOUNTS: usize = 20;

/// `line` without its terminal colours.
fn plain(line: &str) -> String {
    let mut plain = String::new();
    let mut in_escape = false;
    for c in line.chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (false, c) => plain.push(c),
            (true, 'm') => in_escape = false,
            (true, _) => {}
        }
    }
    plain
}

/// The account ids in the "erasure finished" lines of a server's log.
fn finished_by(server: &ServerProcess) -> Vec<String> {
    server
        .output
        .lock()
        .unwrap()
        .iter()
        .map(|line| plain(line))
        .filter(|line| line.contains("erasure finished"))
        .filter_map(|line| line.split("account_id=").nth(1)?.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn two_servers_share_the_erasure_queue_sessions_and_rate_limits() {
    // Arrange: twenty deleted accounts queued, then two servers with small batches
    let (pool, url) = fresh_database().await;
    let mut people = Vec::new();
    for _ in 0..ACCOUNTS {
        let (person, _) = seed(&pool, None, Shape { messages: 30, history: 3, store: false }).await;
        delete_account(&pool, &person).await.unwrap();
        people.push(person);
    }
    let env = [("RUST_LOG", "info"), ("APP_ERASER_BATCH_SIZE", "20"), ("APP_ERASER_DUTY", "100")];
    let (a, b) = (ServerProcess::start(&url, &env).await, ServerProcess::start(&url, &env).await);

    // Act: wait for the queue to empty
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM erasure_queue").fetch_one(&pool).await.unwrap();
        if queued == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{queued} accounts still queued after a minute");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await; // the last log lines

    // Assert: every account erased once, by one of the two, both did some, no deadlock
    let (by_a, by_b) = (finished_by(&a), finished_by(&b));
    let mut all: Vec<String> = by_a.iter().chain(&by_b).cloned().collect();
    all.sort();
    let mut expected: Vec<String> = people.iter().map(|p| p.id.to_string()).collect();
    expected.sort();
    assert_eq!(all, expected, "each account's erasure finishes exactly once");
    assert!(!by_a.is_empty() && !by_b.is_empty(), "both servers erase: {} and {}", by_a.len(), by_b.len());
    for person in &people {
        assert!(traces_of(&pool, person).await.is_empty(), "{} left traces", person.id);
    }
    let deadlocks: i64 =
        sqlx::query_scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(deadlocks, 0);

    // Act: a session made through one server (its cookie), used through the other
    let form = [
        ("locale", "en"),
        ("name", "Two Doors"),
        ("email", "two@example.com"),
        ("password", "a long enough password"),
        ("country", "FI"),
    ];
    let signed_up = reqwest::Client::new()
        .post(format!("{}/api/sign_up", a.address))
        .header(header::ORIGIN, &a.address)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), StatusCode::OK);
    let cookie = signed_up.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let viewer = reqwest::Client::new()
        .post(format!("{}/api/viewer", b.address))
        .header(header::ORIGIN, &b.address)
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();

    // Assert: the other server knows the session, and both count the same failed sign-ins
    assert_eq!(viewer.json::<serde_json::Value>().await.unwrap()["name"], "Two Doors");
    for (n, server) in [&a, &b, &a, &b, &a, &b].into_iter().enumerate() {
        let status = reqwest::Client::new()
            .post(format!("{}/api/sign_in", server.address))
            .header(header::ORIGIN, &server.address)
            .form(&[("locale", "en"), ("email", "two@example.com"), ("password", "wrong password")])
            .send()
            .await
            .unwrap()
            .status();
        let expected = if n < 5 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(status, expected, "attempt {n} through the {} server", if n % 2 == 0 { "first" } else { "second" });
    }
}
