//! The server runs as a role that may only read and write rows: the schema belongs to another
//! role, which only the migrations use (`DATABASE_MIGRATION_URL`).

use crate::helpers::{test_config, TestApp};
use reqwest::StatusCode;
use server::{config::Config, startup::Application};
use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

/// `admin_url` with another user, password and database.
fn url_as(admin_url: &str, user: &str, password: &str, database: &str) -> String {
    let (_, rest) = admin_url.split_once("://").unwrap();
    let host = rest.split('@').next_back().unwrap().split('/').next().unwrap();
    format!("postgres://{user}:{password}@{host}/{database}")
}

#[tokio::test]
async fn the_server_works_as_a_role_without_ddl_and_that_role_can_do_nothing_else() {
    // Arrange: an owner role and an app role, as an operator makes them (docs/operations.md)
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let tag = Uuid::new_v4().simple().to_string();
    let (owner, app_role, database, password) =
        (format!("owner_{tag}"), format!("app_{tag}"), format!("least_{tag}"), format!("pw-{tag}"));
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    for statement in [
        format!("CREATE ROLE {owner} LOGIN PASSWORD '{password}'"),
        format!("CREATE ROLE {app_role} LOGIN PASSWORD '{password}'"),
        format!("CREATE DATABASE {database} OWNER {owner}"),
        format!("REVOKE ALL ON DATABASE {database} FROM PUBLIC"),
        format!("GRANT CONNECT ON DATABASE {database} TO {app_role}"),
    ] {
        admin.execute(statement.as_str()).await.unwrap();
    }
    let app_url = url_as(&admin_url, &app_role, &password, &database);
    let config =
        Config { migration_url: Some(url_as(&admin_url, &owner, &password, &database)), ..test_config(&app_url) };

    // Act: the server starts (migrating as the owner) and a person signs up and leaves
    let server = Application::build(config).await.expect("the server starts with the least-privileged role");
    let address = format!("http://{}", server.local_addr());
    tokio::spawn(server.serve_until(std::future::pending()));
    let (cluster, _) = admin_url.rsplit_once('/').unwrap();
    let app = TestApp {
        address,
        pool: sqlx::PgPool::connect(&format!("{cluster}/{database}")).await.unwrap(),
        client: reqwest::Client::builder().cookie_store(true).build().unwrap(),
    };
    let signed_up = app.sign_up("least@example.com", "a long enough password").await;
    let deleted = app
        .post_form(
            "deactivate_account",
            &[
                ("locale", "en"),
                ("email", "least@example.com"),
                ("phrase", "deactivate my account"),
                ("reason", "cheated"),
            ],
        )
        .await;

    // Assert: the journey works as the app role ...
    assert_eq!(signed_up.status(), StatusCode::OK);
    assert_eq!(deleted.status(), StatusCode::OK, "{}", deleted.text().await.unwrap());

    // ... which can do nothing beyond rows
    let mut as_app = PgConnection::connect(&app_url).await.unwrap();
    let superuser: bool = sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        .fetch_one(&mut as_app)
        .await
        .unwrap();
    assert!(!superuser);
    for forbidden in [
        "CREATE TABLE intruder (id int)",
        "DROP TABLE messages",
        "ALTER TABLE accounts ADD COLUMN intruder text",
        "TRUNCATE tombstones",
        "SELECT rolpassword FROM pg_authid",
        "DELETE FROM _sqlx_migrations",
        "CREATE DATABASE intruder",
    ] {
        let error = as_app.execute(forbidden).await.expect_err(forbidden);
        let code = error.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("42501"), "{forbidden}: {error}");
    }
    // (another database of the cluster, whose PUBLIC connect right the operator revoked)
    admin.execute(format!("CREATE DATABASE other_{tag}").as_str()).await.unwrap();
    admin.execute(format!("REVOKE CONNECT ON DATABASE other_{tag} FROM PUBLIC").as_str()).await.unwrap();
    let other_database = url_as(&admin_url, &app_role, &password, &format!("other_{tag}"));
    assert!(PgConnection::connect(&other_database).await.is_err(), "no other database");
}
