use crate::helpers::TestApp;
use reqwest::{header, StatusCode};

#[tokio::test]
async fn an_account_page_sends_a_signed_out_visitor_to_sign_in_and_back() {
    let app = TestApp::spawn().await;

    // A browser's navigation: Leptos redirects with a real 302 only for requests that accept HTML.
    let response =
        app.client.get(app.url("/fi/account/orders?page=2")).header(header::ACCEPT, "text/html").send().await.unwrap();

    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()[header::LOCATION], "/fi/login?next=/fi/account/orders%3Fpage%3D2");
}

#[tokio::test]
async fn my_orders_shows_the_orders_from_postgres_with_finnish_money_and_dates() {
    let app = TestApp::spawn().await;
    app.sign_up("orders@example.com", "long enough password").await;
    sqlx::query(
        "WITH s AS (INSERT INTO stores (name) VALUES ('Kauppa Oy') RETURNING id)
         INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, placed_at)
         SELECT (SELECT id FROM accounts), s.id, 'paid', 123450, 'EUR', '2026-03-05T10:00:00Z' FROM s",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let page = app.client.get(app.url("/fi/account/orders")).send().await.unwrap();

    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Kauppa Oy"), "{html}");
    assert!(html.contains("1\u{a0}234,50\u{a0}€"), "{html}");
    assert!(html.contains("5.3.2026"));
    assert!(html.contains("Maksettu"));
    assert_eq!(html.matches("<h1").count(), 1, "one h1 per page");
}
