//! Servers starting in one process while another renders pages: Leptos's walk of the routes
//! (at every start before `server::startup::route_list` walked them once per process) left a
//! resource first polled during it pending for ever, and its page never answered
//! (leptos-rs/leptos#4773). The API tests run many servers in one process; CI met it once.

use crate::helpers::{empty_database, test_config, TestApp};
use reqwest::StatusCode;
use server::startup::Application;
use std::time::Duration;

const STARTS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_starting_beside_another_never_stalls_its_pages() {
    // Arrange: a signed-in person, whose account page reads resources
    let app = TestApp::spawn().await;
    assert_eq!(app.sign_up("beside@example.com", "correct horse battery").await.status(), StatusCode::OK);

    // Act: other servers start in this process (on a database of their own) while the page is
    // asked for again and again
    let other_database = empty_database().await;
    let starting = tokio::spawn(async move {
        for _ in 0..STARTS {
            Application::build(test_config(&other_database)).await.expect("the app starts");
        }
    });
    let mut asked = 0;
    while !starting.is_finished() {
        let page = tokio::time::timeout(Duration::from_secs(30), app.client.get(app.url("/en/account")).send()).await;

        // Assert: every page is answered
        let page = page.unwrap_or_else(|_| panic!("page {asked} stalled while another server started"));
        assert_eq!(page.unwrap().status(), StatusCode::OK);
        asked += 1;
    }
    starting.await.unwrap();
    assert!(asked > STARTS, "the pages were asked for while the servers started ({asked})");
}
