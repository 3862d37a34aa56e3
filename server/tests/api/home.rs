use crate::helpers::TestApp;
use reqwest::{header, StatusCode};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;

    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();

    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(ready.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_bare_path_redirects_by_cookie_then_accept_language_then_english() {
    let app = TestApp::spawn().await;
    let location = |response: reqwest::Response| {
        assert_eq!(response.status(), StatusCode::FOUND);
        response.headers()[header::LOCATION].to_str().unwrap().to_owned()
    };

    let plain = app.client.get(app.url("/")).send().await.unwrap();
    let finnish_browser = app
        .client
        .get(app.url("/account?tab=1"))
        .header(header::ACCEPT_LANGUAGE, "fi-FI,en;q=0.5")
        .send()
        .await
        .unwrap();
    let remembered = app
        .client
        .get(app.url("/"))
        .header(header::ACCEPT_LANGUAGE, "fi")
        .header(header::COOKIE, "locale=en")
        .send()
        .await
        .unwrap();

    assert_eq!(location(plain), "/en");
    assert_eq!(location(finnish_browser), "/fi/account?tab=1");
    assert_eq!(location(remembered), "/en");
}

#[tokio::test]
async fn the_home_page_is_rendered_on_the_server_in_its_language_with_data_from_postgres() {
    let app = TestApp::spawn().await;
    sqlx::query(
        "WITH s AS (INSERT INTO stores (name) VALUES ('Probe store') RETURNING id)
         INSERT INTO products (store_id, title, price_minor, currency)
         SELECT id, 'Probe', 100, 'EUR' FROM s CROSS JOIN generate_series(1, 3)",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let english = app.client.get(app.url("/en")).send().await.unwrap();
    let finnish = app.client.get(app.url("/fi")).send().await.unwrap();

    assert_eq!(english.status(), StatusCode::OK);
    let english = english.text().await.unwrap();
    assert!(english.contains(r#"<html lang="en""#), "{english}");
    assert!(english.contains("Sign in"));
    assert!(english.contains("3 products are on sale right now."), "{english}");
    let finnish = finnish.text().await.unwrap();
    assert!(finnish.contains(r#"<html lang="fi""#));
    assert!(finnish.contains("Kirjaudu sisään"));
    assert!(finnish.contains("Myynnissä on nyt 3 tuotetta."), "{finnish}");
}

#[tokio::test]
async fn an_unknown_page_is_a_localized_404() {
    let app = TestApp::spawn().await;

    let response = app.client.get(app.url("/fi/no-such-page")).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Sivua ei löytynyt"));
}

#[tokio::test]
async fn twenty_requests_on_one_kept_alive_connection_do_not_wait_for_delayed_acks() {
    // Arrange: a 6 KB stylesheet to serve, and one client, so one connection for every request
    let site = std::env::temp_dir().join(format!("deactivate-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/deactivate.css"), "a{color:red}\n".repeat(500)).unwrap();
    let root = site.to_str().unwrap().to_owned();
    let app = TestApp::spawn_with(|config| config.leptos.site_root = root.into()).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    let url = app.url("/pkg/deactivate.css");
    assert_eq!(client.get(&url).send().await.unwrap().status(), StatusCode::OK);

    // Act
    let started = std::time::Instant::now();
    for _ in 0..20 {
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.bytes().await.unwrap().len(), 6500);
    }
    let elapsed = started.elapsed();

    // Assert: a response written in two pieces (head, then body) waits ~40 ms for the client's
    // delayed ACK unless the server sets TCP_NODELAY (measured here: 363 ms for 20 without it,
    // 13-23 ms with it)
    eprintln!("20 kept-alive stylesheet requests: {elapsed:?}");
    assert!(elapsed < std::time::Duration::from_millis(200), "20 kept-alive requests took {elapsed:?}");
    std::fs::remove_dir_all(site).unwrap();
}
