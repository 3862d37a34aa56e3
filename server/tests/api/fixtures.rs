//! The fixtures API for end-to-end suites, in a server built with the `test-fixtures` feature:
//! its token, its refusal to start without the switch, its reach (fixture data only), and what
//! it creates. (Without the feature: `no_fixtures.rs`.)

use crate::helpers::{fresh_database, ServerProcess, TestApp, FIXTURES_TOKEN};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

mod lifetime;

/// Every test server built with the feature has the API, with `FIXTURES_TOKEN`.
async fn spawn_with_fixtures() -> TestApp {
    TestApp::spawn().await
}

impl TestApp {
    /// A same-origin POST to the fixtures API with the right token, as the Playwright suite sends.
    fn fixtures_request(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).header(header::ORIGIN, &self.address).bearer_auth(FIXTURES_TOKEN)
    }

    async fn post_fixture(&self, body: &Value) -> reqwest::Response {
        self.fixtures_request("/test-fixtures/accounts").json(body).send().await.expect("the server answers")
    }

    async fn count_all(&self, tables: &[&str]) -> Vec<(String, i64)> {
        let mut counts = Vec::new();
        for table in tables {
            counts.push((table.to_string(), self.count(&format!("SELECT count(*) FROM {table}")).await));
        }
        counts
    }
}

/// Every table a fixtures request may write to.
const TABLES: [&str; 10] = [
    "accounts",
    "addresses",
    "sessions",
    "stores",
    "products",
    "orders",
    "order_items",
    "refunds",
    "conversations",
    "messages",
];

/// The row count of every table of the schema.
async fn count_all_rows(app: &TestApp) -> Vec<(String, i64)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let tables: Vec<&str> = tables.iter().map(String::as_str).collect();
    app.count_all(&tables).await
}

fn nothing_in(tables: &[&str]) -> Vec<(String, i64)> {
    tables.iter().map(|table| (table.to_string(), 0)).collect()
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
    let response = app.fixtures_request("/test-fixtures/accounts").send().await.unwrap();

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
    let cases: [(&str, &str); 9] = [
        (r#"{"orders": ["refunded"]}"#, r#"orders[0] is "refunded""#),
        (r#"{"messages": 2001}"#, "messages must be between 0 and 2000, not 2001"),
        (r#"{"messages": -1}"#, "messages must be between 0 and 2000, not -1"),
        (r#"{"locale": "sv"}"#, r#"locale must be "en" or "fi", not "sv""#),
        (r#"{"password_age_minutes": -5}"#, "password_age_minutes must be between"),
        (r#"{"ttl_seconds": 86401}"#, "ttl_seconds must be between 1 and 86400, not 86401"),
        (r#"{"colour": "red"}"#, "unknown field `colour`"),
        (r#"{"messages": "ten"}"#, "messages: invalid type: string"),
        (r#"{"orders": ["paid""#, "Failed to parse the request body as JSON"),
    ];
    let too_many_orders = json!({ "orders": vec!["paid"; 101], "store": true }).to_string();

    for (body, expected) in cases.iter().copied().chain([(too_many_orders.as_str(), "at most 100 orders, not 101")]) {
        // Act
        let response = app
            .fixtures_request("/test-fixtures/accounts")
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
async fn the_largest_account_allowed_is_created() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let statuses = ["awaiting_payment", "paid", "shipped", "completed", "cancelled"];
    let orders: Vec<&str> = statuses.iter().copied().cycle().take(100).collect();

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
    assert_eq!((orders, items, messages), (100, 100, 2000));
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

#[tokio::test]
async fn a_request_without_the_token_is_a_401_that_creates_nothing() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let everything = json!({ "orders": ["paid"], "messages": 2, "pending_refund": true, "store": true });

    // Act: a well-formed request, and a malformed one (refused before its body is read)
    let without = |body: String| {
        app.client
            .post(app.url("/test-fixtures/accounts"))
            .header(header::ORIGIN, &app.address)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
    };
    let responses = [without(everything.to_string()).await.unwrap(), without("{".to_owned()).await.unwrap()];

    // Assert
    for response in responses {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let answer: Value = response.json().await.unwrap();
        let error = answer["error"].as_str().unwrap_or_else(|| panic!("no error message: {answer}"));
        assert!(error.contains("Authorization: Bearer"), "{error}");
    }
    assert_eq!(app.count_all(&TABLES).await, nothing_in(&TABLES));
}

#[tokio::test]
async fn a_wrong_token_is_a_401_that_creates_nothing() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let shorter = &FIXTURES_TOKEN[..FIXTURES_TOKEN.len() - 1];
    let longer = format!("{FIXTURES_TOKEN}0");
    let other_last = format!("{shorter}X");
    let bearer = |token: &str| format!("Bearer {token}");
    let wrong: Vec<String> = vec![
        bearer("another-token-of-the-same-length-0123456789"),
        bearer(shorter),
        bearer(&longer),
        bearer(&other_last),
        bearer(""),
        "Bearer".to_owned(),
        FIXTURES_TOKEN.to_owned(),
        format!("Basic {FIXTURES_TOKEN}"),
        format!("Token {FIXTURES_TOKEN}"),
    ];

    for authorization in &wrong {
        // Act
        let response = app
            .client
            .post(app.url("/test-fixtures/accounts"))
            .header(header::ORIGIN, &app.address)
            .header(header::AUTHORIZATION, authorization)
            .json(&json!({ "store": true }))
            .send()
            .await
            .unwrap();

        // Assert
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{authorization}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["error"].is_string(), "{answer}");
    }
    assert_eq!(app.count_all(&TABLES).await, nothing_in(&TABLES));
    // The same request with the token itself, the scheme in any case, is served.
    let response = app
        .client
        .post(app.url("/test-fixtures/accounts"))
        .header(header::ORIGIN, &app.address)
        .header(header::AUTHORIZATION, format!("bearer {FIXTURES_TOKEN}"))
        .json(&json!({ "store": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_token_guards_every_path_and_the_origin_check_stays() {
    // Arrange
    let app = spawn_with_fixtures().await;

    // Act
    let unknown_without_token =
        app.client.post(app.url("/test-fixtures/other")).header(header::ORIGIN, &app.address).send().await.unwrap();
    let unknown_with_token = app.fixtures_request("/test-fixtures/other").send().await.unwrap();
    let cross_site = app
        .client
        .post(app.url("/test-fixtures/accounts"))
        .header(header::ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .bearer_auth(FIXTURES_TOKEN)
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(unknown_without_token.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_with_token.status(), StatusCode::NOT_FOUND);
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}

/// A seller who signed up for real, not through the fixtures API, with an address of the form the
/// API gives its accounts (a tester can type one into the sign-up form of a test server).
async fn real_store(app: &TestApp) -> (Uuid, Uuid) {
    let owner: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country)
         VALUES ($1, '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA', 'Real Seller', 'FI')
         RETURNING id",
    )
    .bind(format!("e2e-{}@example.test", Uuid::new_v4()))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let store: Uuid =
        sqlx::query_scalar("INSERT INTO stores (owner_id, name) VALUES ($1, 'Real Seller Oy') RETURNING id")
            .bind(owner)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO products (store_id, title, price_minor, currency) VALUES ($1, 'Real product', 1000, 'EUR')",
    )
    .bind(store)
    .execute(&app.pool)
    .await
    .unwrap();
    (owner, store)
}

#[tokio::test]
async fn buy_from_store_refuses_a_store_the_api_did_not_create_and_creates_nothing() {
    // Arrange
    let app = spawn_with_fixtures().await;
    let (owner, store) = real_store(&app).await;
    let before = app.count_all(&TABLES).await;

    // Act
    let response = app
        .post_fixture(
            &json!({ "orders": ["paid", "completed"], "messages": 4, "pending_refund": true, "buy_from_store": store }),
        )
        .await;

    // Assert
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    let error = answer["error"].as_str().unwrap();
    assert!(error.contains("buy_from_store") && error.contains("not an open store"), "{error}");
    assert_eq!(app.count_all(&TABLES).await, before, "nothing created");
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 1, "only the real seller");
    let untouched: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM orders WHERE store_id = $1) + (SELECT count(*) FROM conversations WHERE store_id = $1)
              + (SELECT count(*) FROM sessions WHERE account_id = $2)",
    )
    .bind(store)
    .bind(owner)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(untouched, 0);
}

#[tokio::test]
async fn the_shared_fixture_accounts_are_never_someone_elses() {
    // Arrange: someone signed up with the shared supplier's address before the API first ran
    let app = spawn_with_fixtures().await;
    sqlx::query(
        "INSERT INTO accounts (email, password_hash, name, country)
         VALUES ('fixture-supplies-owner@example.test', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA',
                 'Not A Fixture', 'GB')",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // Act
    let response = app.post_fixture(&json!({ "orders": ["paid"] })).await;

    // Assert: refused, and that account got no store, no product, no sale
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "error": "internal error" }));
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 1);
    for table in ["stores", "products", "orders"] {
        assert_eq!(app.count(&format!("SELECT count(*) FROM {table}")).await, 0, "{table}");
    }
}

#[tokio::test]
async fn an_internal_error_is_a_500_without_sql_or_database_text() {
    // Arrange: the database refuses every new address, as a broken database would
    let app = spawn_with_fixtures().await;
    sqlx::query("ALTER TABLE addresses ADD CONSTRAINT fixtures_test_refuses_addresses CHECK (false) NOT VALID")
        .execute(&app.pool)
        .await
        .unwrap();

    // Act
    let response = app.post_fixture(&json!({ "orders": ["paid"], "store": true })).await;

    // Assert
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.text().await.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({ "error": "internal error" }), "{body}");
    for leak in ["addresses", "constraint", "violates", "relation", "database", "INSERT", "SQL", "23514"] {
        assert!(!body.to_lowercase().contains(&leak.to_lowercase()), "{leak} in {body}");
    }
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0, "rolled back");
}

#[tokio::test]
async fn the_binary_built_with_the_feature_refuses_to_start_without_the_switch_and_a_long_token() {
    let token = ("APP_TEST_FIXTURES_TOKEN", FIXTURES_TOKEN);
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[token], "starts only with APP_TEST_FIXTURES=1"),
        (&[("APP_TEST_FIXTURES", "0"), token], "starts only with APP_TEST_FIXTURES=1"),
        (&[("APP_TEST_FIXTURES", "1")], "APP_TEST_FIXTURES_TOKEN is not set"),
        (&[("APP_TEST_FIXTURES", "1"), ("APP_TEST_FIXTURES_TOKEN", &FIXTURES_TOKEN[..31])], "at least 32"),
        (&[("APP_TEST_FIXTURES", "yes"), token], "APP_TEST_FIXTURES=yes is not a flag"),
    ];
    for (envs, expected) in cases {
        // Act
        let (_, database_url) = fresh_database().await;
        let (status, stderr) = ServerProcess::run_to_exit(&database_url, envs).await;

        // Assert
        assert!(!status.success(), "{envs:?}");
        assert!(stderr.contains(expected), "{envs:?}: {stderr}");
    }
}

#[tokio::test]
async fn the_binary_built_with_the_feature_serves_fixtures_to_the_token_only() {
    // Arrange
    let (pool, database_url) = fresh_database().await;
    let server =
        ServerProcess::start(&database_url, &[("APP_TEST_FIXTURES", "1"), ("APP_TEST_FIXTURES_TOKEN", FIXTURES_TOKEN)])
            .await;
    let client = reqwest::Client::new();
    let post = || client.post(server.url("/test-fixtures/accounts")).header(header::ORIGIN, &server.address);

    // Act
    let without = post().send().await.unwrap();
    let with = post().bearer_auth(FIXTURES_TOKEN).send().await.unwrap();

    // Assert
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(with.status(), StatusCode::CREATED);
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts").fetch_one(&pool).await.unwrap();
    assert_eq!(accounts, 1);
}

#[tokio::test]
async fn the_openapi_description_has_the_fixtures_api_in_a_build_with_it() {
    // Arrange
    let app = spawn_with_fixtures().await;

    // Act
    let description = crate::openapi::served_description(&app).await;

    // Assert
    let operation = &description["paths"]["/test-fixtures/accounts"]["post"];
    assert_eq!(operation["security"][0]["fixtures_token"], json!([]));
    let request = &operation["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    let request = &description["components"]["schemas"][request.as_str().unwrap().rsplit('/').next().unwrap()];
    let fields: Vec<&String> = request["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        [
            "buy_from_store",
            "locale",
            "messages",
            "name",
            "orders",
            "password_age_minutes",
            "pending_refund",
            "store",
            "ttl_seconds"
        ]
    );
    for status in ["201", "400", "401", "403", "413", "500"] {
        assert!(operation["responses"].get(status).is_some(), "{status}");
    }
    let deletion = &description["paths"]["/test-fixtures/accounts/{id}"]["delete"];
    assert_eq!(deletion["security"][0]["fixtures_token"], json!([]));
    let parameters: Vec<(&str, &str)> = deletion["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
        .collect();
    assert_eq!(parameters, [("id", "path"), ("fixture-deletion-token", "header")]);
    for status in ["204", "400", "401", "403", "404", "500"] {
        assert!(deletion["responses"].get(status).is_some(), "{status}");
    }
}
