//! The server as released, built without the `test-fixtures` feature: no fixtures API, whatever
//! its environment. (With the feature: `fixtures.rs`.)

use crate::helpers::{fresh_database, ServerProcess, TestApp};
use reqwest::{header, StatusCode};
use serde_json::json;

const TOKEN: &str = "a-token-the-release-build-never-reads-0123";

#[tokio::test]
async fn without_the_feature_there_is_no_fixtures_api_whatever_the_environment() {
    // Arrange: the binary, with every switch the fixtures API ever had
    let (pool, database_url) = fresh_database().await;
    let server =
        ServerProcess::start(&database_url, &[("APP_TEST_FIXTURES", "1"), ("APP_TEST_FIXTURES_TOKEN", TOKEN)]).await;
    let client = reqwest::Client::new();

    for path in ["/test-fixtures/accounts", "/test-fixtures", "/test-fixtures/accounts/extra"] {
        // Act: a request the API would serve, from the site's origin, with the token
        let response = client
            .post(server.url(path))
            .header(header::ORIGIN, &server.address)
            .bearer_auth(TOKEN)
            .json(&json!({ "orders": ["paid"], "store": true }))
            .send()
            .await
            .unwrap();

        // Assert
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for table in ["accounts", "stores", "orders"] {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&pool).await.unwrap();
        assert_eq!(rows, 0, "{table}");
    }
}

#[tokio::test]
async fn without_the_feature_the_in_process_server_has_no_fixtures_api_either() {
    // Arrange
    let app = TestApp::spawn().await;

    // Act
    let response = app
        .client
        .post(app.url("/test-fixtures/accounts"))
        .header(header::ORIGIN, &app.address)
        .json(&json!({ "orders": ["paid"] }))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn without_the_feature_the_openapi_description_has_no_fixtures_api() {
    // Arrange
    let app = TestApp::spawn().await;

    // Act
    let description = crate::openapi::served_description(&app).await;

    // Assert
    let paths: Vec<&String> = description["paths"].as_object().unwrap().keys().collect();
    assert!(paths.iter().all(|path| path.starts_with("/api/")), "{paths:?}");
    assert!(description["components"]["securitySchemes"].get("fixtures_token").is_none());
}
