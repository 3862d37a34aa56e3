//! Properties of the migrated schema and of the demo data.

use crate::helpers::TestApp;
use reqwest::StatusCode;

/// Every foreign key needs an index whose leading columns are its columns: without one, deleting
/// or updating a referenced row (the account deletion does that a lot) scans the whole
/// referencing table under lock.
#[tokio::test]
async fn every_foreign_key_is_covered_by_an_index() {
    // Arrange
    let app = TestApp::spawn().await;

    // Act
    let foreign_keys: i64 = app
        .count("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace")
        .await;
    let uncovered: Vec<String> = sqlx::query_scalar(
        "SELECT format('%s.%s (%s) REFERENCES %s',
                       c.conrelid::regclass, c.conname,
                       (SELECT string_agg(a.attname, ', ' ORDER BY k.n)
                        FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
                       c.confrelid::regclass)
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
           AND NOT EXISTS (
               SELECT 1 FROM pg_index i
               WHERE i.indrelid = c.conrelid
                 AND i.indpred IS NULL
                 AND i.indisvalid
                 -- the index's first cardinality(conkey) columns are the key's columns, in any order
                 AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                 AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
           )
         ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();

    // Assert
    assert!(foreign_keys >= 10, "the catalog query sees the schema's foreign keys ({foreign_keys})");
    assert!(uncovered.is_empty(), "foreign keys without an index on their columns:\n  {}", uncovered.join("\n  "));
}

#[tokio::test]
async fn the_catalog_check_would_catch_an_unindexed_foreign_key() {
    // Arrange: a key served only by an index that starts with another column
    let app = TestApp::spawn().await;
    sqlx::raw_sql(
        "CREATE TABLE probe (id int PRIMARY KEY, account_id uuid REFERENCES accounts (id), at timestamptz);
         CREATE INDEX probe_at_account_idx ON probe (at, account_id);",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // Act
    let uncovered: i64 = app
        .count(
            "SELECT count(*) FROM pg_constraint c
             WHERE c.contype = 'f' AND c.conrelid = 'probe'::regclass
               AND NOT EXISTS (
                   SELECT 1 FROM pg_index i
                   WHERE i.indrelid = c.conrelid AND i.indpred IS NULL AND i.indisvalid
                     AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                     AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
               )",
        )
        .await;

    // Assert
    assert_eq!(uncovered, 1);
}

#[tokio::test]
async fn the_demo_seed_is_idempotent_and_its_passwords_work() {
    // Arrange
    let app = TestApp::spawn().await;
    let counts = || async {
        let mut counts = Vec::new();
        for table in ["accounts", "addresses", "stores", "products", "orders", "order_items", "refunds", "messages"] {
            counts.push((table, app.count(&format!("SELECT count(*) FROM {table}")).await));
        }
        counts
    };

    // Act
    let first = server::demo::seed(&app.pool, &digester()).await.expect("the first seed");
    let after_first = counts().await;
    let second = server::demo::seed(&app.pool, &digester()).await.expect("the second seed");
    let after_second = counts().await;

    // Assert
    assert_eq!(first, second);
    assert_eq!(first.len(), 4);
    assert_eq!(after_first, after_second);
    let count = |table: &str| after_first.iter().find(|(t, _)| *t == table).unwrap().1;
    assert_eq!(count("accounts"), 4);
    assert_eq!(count("products"), 8);
    assert!(count("orders") >= 10, "{after_first:?}");
    assert!(count("messages") >= 6, "{after_first:?}");
    for account in &first {
        let (hash, locale): (String, String) =
            sqlx::query_as("SELECT password_hash, preferred_locale FROM accounts WHERE email = $1")
                .bind(account.email)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert!(password_auth::verify_password(account.password, &hash).is_ok(), "{}", account.email);
        assert_eq!(locale, account.locale);
    }
}

#[tokio::test]
async fn each_demo_buyer_has_orders_in_every_state_refunds_and_a_conversation_with_lin() {
    // Arrange
    let app = TestApp::spawn().await;

    // Act
    server::demo::seed(&app.pool, &digester()).await.unwrap();

    // Assert
    for email in ["aino.virtanen@demo.deactivate.test", "emily.carter@demo.deactivate.test"] {
        let (statuses, pending, completed, without_address): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT count(DISTINCT o.status),
                    count(*) FILTER (WHERE r.status = 'pending' AND o.status = 'cancelled'),
                    count(*) FILTER (WHERE r.status = 'completed' AND r.completed_at IS NOT NULL),
                    count(*) FILTER (WHERE o.ship_to_address IS NULL OR o.ship_to_phone IS NULL)
             FROM orders o JOIN accounts a ON a.id = o.buyer_id LEFT JOIN refunds r ON r.order_id = o.id
             WHERE a.email = $1",
        )
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!((statuses, pending, completed, without_address), (5, 1, 1, 0), "{email}");
        let (from_buyer, from_lin): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE m.author_id = b.id), count(*) FILTER (WHERE s.email = 'lin.wei@demo.deactivate.test')
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             JOIN accounts b ON b.id = c.buyer_id JOIN accounts s ON s.id = m.author_id
             WHERE b.email = $1",
        )
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert!(from_buyer >= 2 && from_lin >= 2, "{email}: {from_buyer} + {from_lin}");
    }
}

#[tokio::test]
async fn a_server_started_with_demo_data_lets_the_demo_accounts_sign_in() {
    // Arrange
    let app = TestApp::spawn_with(|config| config.demo_data = true).await;

    // Act
    let response = app.sign_in("aino.virtanen@demo.deactivate.test", "aino-demo-2026").await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.viewer_name().await.as_deref(), Some("Aino Virtanen"));
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 4);
}

/// The server's sessions never JIT-compile: see `server::database::connect`.
#[tokio::test]
async fn the_server_s_database_sessions_run_without_jit() {
    // Arrange
    let (_, url) = crate::helpers::fresh_database().await;

    // Act
    let pool = server::database::connect(&url).await.unwrap();
    let jit: String = sqlx::query_scalar("SHOW jit").fetch_one(&pool).await.unwrap();
    let default: String =
        sqlx::query_scalar("SELECT boot_val FROM pg_settings WHERE name = 'jit'").fetch_one(&pool).await.unwrap();

    // Assert
    assert_eq!(default, "on", "PostgreSQL's own default, which the pool overrides");
    assert_eq!(jit, "off");
}

fn digester() -> app::auth::digest::EmailDigester {
    app::auth::digest::EmailDigester::new(crate::helpers::TEST_SECRET)
}

#[tokio::test]
async fn the_demo_seed_never_brings_back_a_deleted_demo_account() {
    // Arrange: every demo account deleted and erased (their rows are gone, their addresses blocked)
    let app = TestApp::spawn().await;
    let demo = server::demo::seed(&app.pool, &digester()).await.unwrap();
    for account in &demo {
        let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
            .bind(account.email)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        let session = {
            let mut conn = app.pool.acquire().await.unwrap();
            app::auth::session::create(&mut conn, id).await.unwrap()
        };
        let email = app::domain::account::EmailAddress::parse(account.email).unwrap();
        let feedback = app::domain::deactivation::Feedback {
            reason: app::domain::deactivation::Reason::Cheated,
            locale: app::i18n::Locale::Fi,
            other_text: None,
        };
        app::deactivation::store::deactivate(&app.pool, id, &session, &digester().digests(&email), &feedback)
            .await
            .unwrap();
    }
    crate::deletion::erase_everything(&app.pool, 500).await;
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);

    // Act
    let seeded = server::demo::seed(&app.pool, &digester()).await.unwrap();

    // Assert
    assert!(seeded.is_empty(), "{seeded:?}");
    assert_eq!(app.count("SELECT count(*) FROM accounts").await, 0);
}
