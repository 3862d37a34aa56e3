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

/// A database owned by a role of its own, and a role that may only connect to it, as an operator
/// makes them (docs/operations.md).
struct LeastPrivilegeDatabase {
    tag: String,
    database: String,
    app_role: String,
    password: String,
    app_url: String,
    owner_url: String,
}

impl LeastPrivilegeDatabase {
    async fn create(admin_url: &str) -> LeastPrivilegeDatabase {
        let tag = Uuid::new_v4().simple().to_string();
        let (owner, app_role, database, password) =
            (format!("owner_{tag}"), format!("app_{tag}"), format!("least_{tag}"), format!("pw-{tag}"));
        let mut admin = PgConnection::connect(admin_url).await.unwrap();
        for statement in [
            format!("CREATE ROLE {owner} LOGIN PASSWORD '{password}'"),
            format!("CREATE ROLE {app_role} LOGIN PASSWORD '{password}'"),
            format!("CREATE DATABASE {database} OWNER {owner}"),
            format!("REVOKE ALL ON DATABASE {database} FROM PUBLIC"),
            format!("GRANT CONNECT ON DATABASE {database} TO {app_role}"),
        ] {
            admin.execute(statement.as_str()).await.unwrap();
        }
        LeastPrivilegeDatabase {
            app_url: url_as(admin_url, &app_role, &password, &database),
            owner_url: url_as(admin_url, &owner, &password, &database),
            tag,
            database,
            app_role,
            password,
        }
    }
}

/// The real `server migrate`, with the owner's URL (on a thread of its own: the test's runtime
/// must go on, to close what a failed start left open).
async fn server_migrate(roles: &LeastPrivilegeDatabase) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command.arg("migrate").env("DATABASE_URL", &roles.app_url).env("DATABASE_MIGRATION_URL", &roles.owner_url);
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

#[tokio::test]
async fn after_server_migrate_the_server_runs_without_the_owners_url() {
    // Arrange
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let roles = LeastPrivilegeDatabase::create(&admin_url).await;
    let app_only = || test_config(&roles.app_url);
    let refused = Application::build(app_only()).await.err().expect("no schema yet, and no right to make it");

    // Act: the operator's release step, then the server with DATABASE_URL alone
    let migrate = server_migrate(&roles).await;
    let again = server_migrate(&roles).await;
    let server = Application::build(app_only()).await.expect("the schema is up to date: nothing to migrate");
    let address = format!("http://{}", server.local_addr());
    tokio::spawn(server.serve_until(std::future::pending()));
    let app = TestApp {
        address,
        pool: sqlx::PgPool::connect(&roles.owner_url).await.unwrap(),
        client: reqwest::Client::builder().cookie_store(true).build().unwrap(),
    };
    let signed_up = app.sign_up("migrated@example.com", "a long enough password").await;

    // Assert: the app role alone was told what to do ...
    assert!(refused.to_string().contains("server migrate"), "{refused}");
    // ... the release step applied every migration once ...
    let said = |output: &std::process::Output| String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    let all = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations")).unwrap().count();
    assert!(said(&migrate).contains(&format!("({all} migrations applied now)")), "{}", said(&migrate));
    assert!(said(&again).contains("(0 migrations applied now)"), "{}", said(&again));
    // ... and the server works without the owner's URL
    assert_eq!(signed_up.status(), StatusCode::OK, "{}", signed_up.text().await.unwrap());
}

#[tokio::test]
async fn the_server_works_as_a_role_without_ddl_and_that_role_can_do_nothing_else() {
    // Arrange: an owner role and an app role, as an operator makes them (docs/operations.md)
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let roles = LeastPrivilegeDatabase::create(&admin_url).await;
    let (app_url, tag) = (roles.app_url.clone(), roles.tag.clone());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    let config = Config { migration_url: Some(roles.owner_url.clone()), ..test_config(&app_url) };

    // Act: the server starts (migrating as the owner) and a person signs up and leaves
    let server = Application::build(config).await.expect("the server starts with the least-privileged role");
    let address = format!("http://{}", server.local_addr());
    tokio::spawn(server.serve_until(std::future::pending()));
    let (cluster, _) = admin_url.rsplit_once('/').unwrap();
    let app = TestApp {
        address,
        pool: sqlx::PgPool::connect(&format!("{cluster}/{}", roles.database)).await.unwrap(),
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
    let other_database = url_as(&admin_url, &roles.app_role, &roles.password, &format!("other_{tag}"));
    assert!(PgConnection::connect(&other_database).await.is_err(), "no other database");
}
