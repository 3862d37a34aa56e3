//! Every response carries an `x-request-id` (the client's, when usable), and the server's log
//! lines of that request carry it too (issue 20, point 4).

use crate::helpers::{empty_database, ServerProcess};
use reqwest::StatusCode;

async fn id_of(server: &ServerProcess, sent: Option<&str>) -> String {
    let mut request = reqwest::Client::new().get(server.url("/en"));
    if let Some(id) = sent {
        request = request.header("x-request-id", id);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.headers().get("x-request-id").expect("every response has an id").to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_request_id_is_kept_or_made_echoed_and_written_on_the_requests_log_lines() {
    // Arrange
    let server = ServerProcess::start(&empty_database().await, &[("RUST_LOG", "info")]).await;
    let too_long = "x".repeat(101);

    // Act
    let made = id_of(&server, None).await;
    let kept = id_of(&server, Some("suite-7f3a:journey/en#2")).await;
    let replaced = [id_of(&server, Some("two words")).await, id_of(&server, Some(&too_long)).await];

    // Assert
    assert!(uuid::Uuid::parse_str(&made).is_ok(), "a made id is a UUID: {made}");
    assert_eq!(kept, "suite-7f3a:journey/en#2");
    for id in &replaced {
        assert!(uuid::Uuid::parse_str(id).is_ok(), "an unusable id is replaced by a new one: {id}");
    }
    // (the log arrives through a pipe, a moment after the response)
    let logged = |id: &str| server.output.lock().unwrap().iter().any(|line| line.contains(&format!("id={id}")));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !(logged(&made) && logged(&kept)) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let log = server.output.lock().unwrap().join("\n");
    for id in [&made, &kept] {
        assert!(logged(id), "the request's log line names {id}:\n{log}");
    }
}
