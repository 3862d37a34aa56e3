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

#[tokio::test]
async fn edit_profile_saves_valid_details_and_refuses_invalid_ones_without_change() {
    let app = TestApp::spawn().await;
    app.sign_up("profile@example.com", "long enough password").await;

    let saved = app
        .post_form("update_profile", &[("name", "  Aino Virtanen "), ("country", "fi"), ("phone", "+358 40 123 4567")])
        .await;
    let refused = app.post_form("update_profile", &[("name", ""), ("country", "XX"), ("phone", "12")]).await;

    assert_eq!(saved.status(), StatusCode::OK);
    let row: (String, String, Option<String>) =
        sqlx::query_as("SELECT name, country, phone FROM accounts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(row, ("Aino Virtanen".into(), "FI".into(), Some("+358 40 123 4567".into())));
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = refused.json().await.unwrap();
    let fields: Vec<&str> = body["Invalid"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "country", "phone"]);
    let after: (String, String, Option<String>) =
        sqlx::query_as("SELECT name, country, phone FROM accounts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(after, row, "a refused edit changes nothing");
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one() {
    let app = TestApp::spawn().await;
    app.sign_up("password@example.com", "the old password").await;

    let wrong = app.post_form("change_password", &[("current", "not it"), ("new", "a new password")]).await;
    let right = app.post_form("change_password", &[("current", "the old password"), ("new", "a new password")]).await;

    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(right.status(), StatusCode::OK);
    app.post_form("sign_out", &[("locale", "en")]).await;
    assert_eq!(app.sign_in("password@example.com", "the old password").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.sign_in("password@example.com", "a new password").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn account_data_is_only_for_the_signed_in_person() {
    let app = TestApp::spawn().await;

    let orders = app.post_form("my_orders", &[("page", "1")]).await;

    assert_eq!(orders.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(orders.text().await.unwrap(), r#""NotSignedIn""#);
}

/// Each account page builds its data once per request: the page stands outside the account
/// guard's `Suspense`, which the server walks and resolves several times (it was built three
/// times, and each time loaded its data from PostgreSQL again and sent it again for hydration).
#[tokio::test]
async fn each_account_page_loads_and_sends_its_data_once() {
    // Arrange
    let app = TestApp::spawn().await;
    app.sign_up("once@example.com", "long enough password").await;

    for (path, key) in [
        ("/en/account", "member_since"),
        ("/en/account/orders", "older"),
        ("/en/account/messages", "older"),
        ("/en/account/settings/profile", "member_since"),
        ("/en/account/deactivate", "open_orders_total"),
    ] {
        // Act
        let page = app.client.get(app.url(path)).header(header::ACCEPT, "text/html").send().await.unwrap();

        // Assert: its resource's JSON (the data, serialized for hydration) is in the page once
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let html = page.text().await.unwrap();
        assert_eq!(html.matches(&format!("\\\"{key}\\\"")).count(), 1, "{path}: {html}");
    }
}

#[tokio::test]
async fn the_overview_counts_up_to_the_cap_and_shows_a_plus_past_it() {
    // Arrange: exactly COUNT_CAP orders, then one more.
    let app = TestApp::spawn().await;
    app.sign_up("many-orders@example.com", "long enough password").await;
    let add_orders = |count: i64| {
        sqlx::query(
            "WITH s AS (INSERT INTO stores (name) VALUES ('Kauppa Oy') RETURNING id)
             INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, placed_at)
             SELECT (SELECT id FROM accounts), s.id, 'completed', 100, 'EUR', now() FROM s, generate_series(1, $1)",
        )
        .bind(count)
        .execute(&app.pool)
    };
    add_orders(app::account::COUNT_CAP).await.unwrap();

    // Act and Assert: at the cap the count is exact; past it, the cap and a plus.
    let at_cap = app.client.get(app.url("/en/account")).send().await.unwrap().text().await.unwrap();
    assert!(at_cap.contains(">999 orders<"), "{at_cap}");
    add_orders(1).await.unwrap();
    let past_cap = app.client.get(app.url("/en/account")).send().await.unwrap().text().await.unwrap();
    assert!(past_cap.contains(">999+ orders<"), "{past_cap}");
}
