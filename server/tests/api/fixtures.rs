//! The fixtures API for end-to-end suites (`APP_TEST_FIXTURES=1`).

use crate::helpers::TestApp;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

async fn spawn_with_fixtures() -> TestApp {
    TestApp::spawn_with(|config| config.test_fixtures = true).await
}

impl TestApp {
    async fn post_fixture(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/test-fixtures/accounts"))
            .header(header::ORIGIN, &self.address)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }
}

async fn created(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON answer");
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn an_account_with_everything_is_created_with_its_credentials() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let request = json!({
        "locale": "fi",
        "name": "Aino Testaaja",
        "orders": ["awaiting_payment", "paid", "shipped", "completed", "cancelled"],
        "messages": 10,
        "pending_refund": true,
        "store": true,
        "password_age_minutes": 15
    });

    // Act
    let account = created(app.post_fixture(&request).await).await;

    // Assert: the answer
    let id: Uuid = account["id"].as_str().unwrap().parse().unwrap();
    let email = account["email"].as_str().unwrap();
    let password = account["password"].as_str().unwrap();
    let store_id: Uuid = account["store_id"].as_str().expect("a store id").parse().unwrap();
    assert!(email.starts_with("e2e-") && email.ends_with("@example.test"), "{email}");
    assert!(password.len() >= 16, "{password}");
    assert_eq!(account["name"], "Aino Testaaja");
    assert_eq!(account["locale"], "fi");

    // Assert: the account, which signs in with that password
    let (stored_email, hash, locale, age_minutes): (String, String, String, f64) = sqlx::query_as(
        "SELECT email, password_hash, preferred_locale,
                (SELECT extract(epoch FROM now() - password_entered_at)::float8 / 60 FROM sessions WHERE account_id = a.id)
         FROM accounts a WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored_email, email);
    assert_eq!(locale, "fi");
    assert!(password_auth::verify_password(password, &hash).is_ok());
    assert!((14.0..16.0).contains(&age_minutes), "{age_minutes}");
    let count = |sql: &'static str| {
        let pool = app.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(count("SELECT count(*) FROM addresses WHERE account_id = $1").await, 1);

    // Assert: one order per status, plus the cancelled one with the pending refund
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status::text FROM orders WHERE buyer_id = $1 ORDER BY status::text")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(statuses, ["awaiting_payment", "cancelled", "cancelled", "completed", "paid", "shipped"]);
    assert_eq!(
        count(
            "SELECT count(*) FROM orders o
             WHERE o.buyer_id = $1 AND o.ship_to_name = 'Aino Testaaja' AND o.ship_to_address IS NOT NULL
               AND o.total_minor = (SELECT sum(quantity * unit_price_minor) FROM order_items WHERE order_id = o.id)"
        )
        .await,
        6
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM refunds r JOIN orders o ON o.id = r.order_id
             WHERE o.buyer_id = $1 AND o.status = 'cancelled' AND r.status = 'pending'
               AND r.amount_minor = o.total_minor"
        )
        .await,
        1
    );

    // Assert: ten messages in one conversation, alternating with the store's owner
    assert_eq!(count("SELECT count(*) FROM conversations WHERE buyer_id = $1").await, 1);
    let authors: Vec<bool> = sqlx::query_scalar(
        "SELECT m.author_id = c.buyer_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.buyer_id = $1 ORDER BY m.sent_at",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(authors, [true, false, true, false, true, false, true, false, true, false]);
    assert_eq!(
        count(
            "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
             JOIN stores s ON s.id = c.store_id
             WHERE c.buyer_id = $1 AND m.author_id = s.owner_id AND s.name = 'Fixture Supplies'"
        )
        .await,
        5
    );

    // Assert: its own store, 3 listed products, 2 sales to someone else
    assert_eq!(count("SELECT count(*) FROM stores WHERE owner_id = $1 AND closed_at IS NULL").await, 1);
    let (products, sales): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM products WHERE store_id = $1 AND listed),
                (SELECT count(*) FROM orders WHERE store_id = $1 AND buyer_id IS NOT NULL AND buyer_id <> $2)",
    )
    .bind(store_id)
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((products, sales), (3, 2));
}

#[tokio::test]
async fn two_calls_give_two_accounts_and_share_one_supplier() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let request = json!({ "orders": ["paid"], "messages": 2 });

    // Act: at the same time, so both create the shared store on first use
    let (first, second) = tokio::join!(app.post_fixture(&request), app.post_fixture(&request));

    // Assert
    let (first, second) = (created(first).await, created(second).await);
    assert_ne!(first["id"], second["id"]);
    assert_ne!(first["email"], second["email"]);
    assert_ne!(first["password"], second["password"]);
    assert_ne!(first["name"], second["name"], "default names are unique");
    assert_eq!(first["locale"], "en");
    assert_eq!(first["store_id"], Value::Null);
    assert_eq!(app.count("SELECT count(*) FROM stores WHERE name = 'Fixture Supplies'").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 2);
}

#[tokio::test]
async fn an_empty_body_is_an_account_with_defaults() {
    // Arrange
    let app = spawn_with_fixtures().await;

    // Act
    let response =
        app.client.post(app.url("/test-fixtures/accounts")).header(header::ORIGIN, &app.address).send().await.unwrap();

    // Assert
    let account = created(response).await;
    assert_eq!(account["locale"], "en");
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM orders").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM stores").await, 0);
}

#[tokio::test]
async fn bad_input_is_a_400_that_says_what_is_wrong_and_creates_nothing() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let cases: [(&str, &str); 8] = [
        (r#"{"orders": ["refunded"]}"#, r#"orders[0] is "refunded""#),
        (r#"{"messages": 2001}"#, "messages must be between 0 and 2000, not 2001"),
        (r#"{"messages": -1}"#, "messages must be between 0 and 2000, not -1"),
        (r#"{"locale": "sv"}"#, r#"locale must be "en" or "fi", not "sv""#),
        (r#"{"password_age_minutes": -5}"#, "password_age_minutes must be between"),
        (r#"{"colour": "red"}"#, "unknown field `colour`"),
        (r#"{"messages": "ten"}"#, "messages: invalid type: string"),
        (r#"{"orders": ["paid""#, "Failed to parse the request body as JSON"),
    ];
    let too_many_orders = json!({ "orders": vec!["paid"; 51], "store": true }).to_string();

    for (body, expected) in cases.iter().copied().chain([(too_many_orders.as_str(), "at most 50 orders, not 51")]) {
        // Act
        let response = app
            .client
            .post(app.url("/test-fixtures/accounts"))
            .header(header::ORIGIN, &app.address)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();

        // Assert
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = response.json().await.unwrap();
        let error = answer["error"].as_str().unwrap_or_else(|| panic!("no error message: {answer}"));
        assert!(error.contains(expected), "{body}: {error}");
    }
    for table in ["accounts", "stores", "orders", "messages"] {
        assert_eq!(app.count(&format!("SELECT count(*) FROM {table}")).await, 0, "{table}");
    }
}

#[tokio::test]
async fn without_the_flag_there_is_no_fixtures_api() {
    // Arrange
    let app = TestApp::spawn().await;

    // Act
    let response = app.post_fixture(&json!({ "orders": ["paid"] })).await;

    // Assert
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].as_str().unwrap().contains("APP_TEST_FIXTURES=1"), "{answer}");
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}

#[tokio::test]
async fn the_largest_account_allowed_is_created() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let statuses = ["awaiting_payment", "paid", "shipped", "completed", "cancelled"];
    let orders: Vec<&str> = statuses.iter().copied().cycle().take(50).collect();

    // Act
    let account = created(app.post_fixture(&json!({ "orders": orders, "messages": 2000 })).await).await;

    // Assert
    let id: Uuid = account["id"].as_str().unwrap().parse().unwrap();
    let (orders, items, messages): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM orders WHERE buyer_id = $1),
                (SELECT count(*) FROM order_items JOIN orders o ON o.id = order_id WHERE o.buyer_id = $1),
                (SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE c.buyer_id = $1)",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((orders, items, messages), (50, 50, 2000));
}

#[tokio::test]
async fn the_credentials_sign_in() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let account =
        created(app.post_fixture(&json!({ "name": "Sign In Probe", "password_age_minutes": 60 })).await).await;

    // Act
    let response = app.sign_in(account["email"].as_str().unwrap(), account["password"].as_str().unwrap()).await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.viewer_name().await.as_deref(), Some("Sign In Probe"));
}

#[tokio::test]
async fn an_account_can_buy_from_another_fixture_accounts_store() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let seller = created(app.post_fixture(&json!({ "store": true })).await).await;
    let store_id = seller["store_id"].as_str().unwrap().to_owned();

    // Act
    let customer = created(
        app.post_fixture(&json!({ "orders": ["paid", "completed"], "messages": 4, "buy_from_store": store_id })).await,
    )
    .await;
    let unknown = app.post_fixture(&json!({ "orders": ["paid"], "buy_from_store": Uuid::new_v4() })).await;

    // Assert
    let customer_id: Uuid = customer["id"].as_str().unwrap().parse().unwrap();
    let from_that_store: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orders WHERE buyer_id = $1 AND store_id = $2::uuid")
            .bind(customer_id)
            .bind(&store_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(from_that_store, 2);
    let seller_wrote: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.buyer_id = $1 AND c.store_id = $2::uuid AND m.author_id = $3::uuid",
    )
    .bind(customer_id)
    .bind(&store_id)
    .bind(seller["id"].as_str().unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(seller_wrote, 2);
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}
