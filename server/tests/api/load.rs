//! Load (issue 13, point 14): an open-loop run at half the server's measured capacity while an
//! erasure runs and people delete their accounts: not one request fails.
//!
//! Open loop: requests leave on a fixed schedule whatever the answers do, as real visitors
//! arrive, so a slow server meets a growing queue instead of a politely waiting client; each
//! latency counts from the moment its request was due (no coordinated omission).
//! Every tenth visitor is impatient and leaves before its page arrives, as people do: the server
//! must take that without a panic. `LOAD_SECONDS` sets the run's length: 10 s by default, 60 for
//! the full run.

use crate::deletion::{seed, Person, Shape};
use crate::helpers::{fresh_database, ServerProcess};
use reqwest::{header, Client, StatusCode};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use uuid::Uuid;

/// The signed-in pages the load visits, in turn.
const PAGES: [&str; 4] = ["/en/account", "/en/account/orders", "/en/account/messages", "/en/account/deactivate"];
/// Closed-loop clients that measure the capacity, and for how long.
const CAPACITY_CLIENTS: usize = 4;
const CAPACITY_WINDOW: Duration = Duration::from_secs(3);

fn load_seconds() -> u64 {
    std::env::var("LOAD_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10)
}

/// One request's outcome: its status (or the transport error) and its latency from when it was due.
type Outcome = (Result<StatusCode, String>, Duration);

/// GET `page` of the server at `address` with `cookie`; the whole body is read.
async fn visit(client: &Client, address: &str, cookie: &str, page: &str) -> Result<StatusCode, String> {
    visit_within(client, address, cookie, page, Duration::from_secs(30)).await
}

/// [`visit`], given up after `patience` (the client closes the connection).
async fn visit_within(
    client: &Client,
    address: &str,
    cookie: &str,
    page: &str,
    patience: Duration,
) -> Result<StatusCode, String> {
    let response = client.get(format!("{address}{page}")).header(header::COOKIE, cookie).timeout(patience).send().await;
    match response {
        Ok(response) => {
            let status = response.status();
            // Read the whole page: a body cut short is a failure too.
            response.bytes().await.map(|_| status).map_err(|e| e.to_string())
        }
        Err(error) => Err(error.to_string()),
    }
}

async fn delete_through_form(client: &Client, server: &ServerProcess, person: &Person) -> Result<StatusCode, String> {
    let form = [
        ("locale", "en"),
        ("email", person.email.as_str()),
        ("phrase", "deactivate my account"),
        ("reason", "cheated"),
    ];
    client
        .post(server.url("/api/deactivate_account"))
        .header(header::ORIGIN, &server.address)
        .header(header::COOKIE, format!("session={}", person.session.as_str()))
        .form(&form)
        .send()
        .await
        .map(|response| response.status())
        .map_err(|e| e.to_string())
}

/// Requests a second the server answers with [`CAPACITY_CLIENTS`] clients that each send the
/// next request as soon as the last is answered.
async fn capacity(client: &Client, server: &ServerProcess, cookies: &[String]) -> f64 {
    let started = Instant::now();
    let mut clients = JoinSet::new();
    for worker in 0..CAPACITY_CLIENTS {
        let (client, cookie, url) = (client.clone(), cookies[worker % cookies.len()].clone(), server.address.clone());
        clients.spawn(async move {
            let mut answered = 0u64;
            while started.elapsed() < CAPACITY_WINDOW {
                let page = PAGES[answered as usize % PAGES.len()];
                assert_eq!(
                    visit(&client, &url, &cookie, page).await,
                    Ok(StatusCode::OK),
                    "while measuring the capacity"
                );
                answered += 1;
            }
            answered
        });
    }
    let answered: u64 = clients.join_all().await.into_iter().sum();
    answered as f64 / started.elapsed().as_secs_f64()
}

/// The batches `account`'s erasure has done, or `None` once it is finished (no longer queued).
async fn erasure_batches(pool: &PgPool, account: Uuid) -> Option<i64> {
    sqlx::query_scalar("SELECT batches::bigint FROM erasure_queue WHERE account_id = $1")
        .bind(account)
        .fetch_optional(pool)
        .await
        .unwrap()
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    sorted[((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::test]
async fn an_open_loop_at_half_capacity_during_an_erasure_and_deletions_has_no_errors() {
    // Arrange: the real server with its eraser; readers; a big account; one leaver a second
    let seconds = load_seconds();
    let (pool, url) = fresh_database().await;
    let mut readers = Vec::new();
    for _ in 0..4 {
        readers.push(seed(&pool, None, Shape { messages: 60, history: 20, store: true }).await.0);
    }
    let (big, _) = seed(&pool, None, Shape { messages: 40_000 * seconds as i32, history: 2_000, store: true }).await;
    let mut leavers = Vec::new();
    for _ in 0..seconds {
        leavers.push(seed(&pool, None, Shape { messages: 200, history: 20, store: true }).await.0);
    }
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    // Batches of 1,000 (the default is 5,000), so that the erasure lasts the whole run.
    let server = ServerProcess::start(&url, &[("APP_ERASER_BATCH_SIZE", "1000")]).await;
    let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let cookies: Vec<String> = readers.iter().map(|r| format!("session={}", r.session.as_str())).collect();
    let capacity = capacity(&client, &server, &cookies).await;
    let rate = capacity / 2.0;
    assert_eq!(delete_through_form(&client, &server, &big).await, Ok(StatusCode::OK), "the big account's deletion");
    let before =
        erasure_batches(&pool, big.id).await.expect("the big account's erasure is queued when the load starts");

    // Act: requests due every 1/rate s, and a deletion every second, for `seconds`
    let started = Instant::now();
    let requests = (rate * seconds as f64) as usize;
    let mut load = JoinSet::new();
    for n in 0..requests {
        let due = started + Duration::from_secs_f64(n as f64 / rate);
        let (client, cookie, page) = (client.clone(), cookies[n % cookies.len()].clone(), PAGES[n % PAGES.len()]);
        let address = server.address.clone();
        load.spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            if n % 10 == 9 {
                let patience = Duration::from_millis(1 + (n as u64 * 7) % 40);
                let _left_early = visit_within(&client, &address, &cookie, page, patience).await;
                return None;
            }
            Some((visit(&client, &address, &cookie, page).await, due.elapsed()))
        });
    }
    let mut deletions = Vec::new();
    for (n, leaver) in leavers.iter().enumerate() {
        tokio::time::sleep_until((started + Duration::from_secs(n as u64)).into()).await;
        deletions.push(delete_through_form(&client, &server, leaver).await);
    }
    let outcomes: Vec<Outcome> = load.join_all().await.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    let after = erasure_batches(&pool, big.id).await;

    // Assert: not one failure, while the erasure went on, and no panic for those who left
    let panics: Vec<String> =
        server.output.lock().unwrap().iter().filter(|line| line.contains("panicked")).cloned().collect();
    let failures: Vec<&Outcome> = outcomes.iter().filter(|(status, _)| *status != Ok(StatusCode::OK)).collect();
    let mut latencies: Vec<Duration> = outcomes.iter().map(|(_, latency)| *latency).collect();
    latencies.sort();
    eprintln!(
        "load: capacity {capacity:.0} requests/s; {requests} requests due at {rate:.0}/s over {seconds} s, \
         all done after {:.1} s ({} left early); latency from due time p50 {:?}, p99 {:?}, max {:?}; {} failed; \
         {} deletions, {} failed; the big erasure {}",
        elapsed.as_secs_f64(),
        requests - outcomes.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().unwrap(),
        failures.len(),
        deletions.len(),
        deletions.iter().filter(|d| **d != Ok(StatusCode::OK)).count(),
        match after {
            Some(batches) => format!("did {} batches during the run and was still under way", batches - before),
            None => "finished during the run".to_owned(),
        },
    );
    assert!(panics.is_empty(), "the server panicked: {panics:?}");
    assert!(
        failures.is_empty(),
        "{} of {requests} requests failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(deletions.iter().all(|d| *d == Ok(StatusCode::OK)), "every deletion succeeds: {deletions:?}");
    assert!(after.is_none_or(|batches| batches > before), "the big account's erasure made progress during the load");
}
