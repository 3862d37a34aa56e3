//! A restored backup does not bring deleted accounts back: the procedure of docs/operations.md
//! ("What a restore means for deleted accounts"), with a real `pg_dump`, `pg_restore`, the
//! server's `restore-deletions` command and the real server over HTTP.

use crate::helpers::{empty_database, fresh_database, ServerProcess, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use server::restore::{EXPORT_BLOCKED_DIGESTS, EXPORT_TOMBSTONES};
use sqlx::PgPool;
use std::{path::Path, process::Command, time::Duration};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

fn deletion_form(email: &str) -> Vec<(&str, &str)> {
    vec![("locale", "en"), ("email", email), ("phrase", "deactivate my account"), ("reason", "cheated")]
}

async fn delete(site: &TestApp, email: &str) {
    assert_eq!(site.post_form("deactivate_account", &deletion_form(email)).await.status(), StatusCode::OK, "{email}");
}

/// Runs a PostgreSQL client program, which must succeed; what it printed.
fn pg_tool(tool: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| panic!("{tool} runs: {e}"));
    assert!(output.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// What an export statement writes, run as an operator would: `psql -c "COPY ... TO STDOUT"`.
fn export(url: &str, statement: &str) -> Vec<u8> {
    pg_tool("psql", &["--no-psqlrc", "--quiet", "--dbname", url, "--command", statement])
}

async fn sign_up_problem(site: &TestApp, email: &str) -> Value {
    let response = site.another_browser().sign_up(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{email}");
    let body: Value = response.json().await.unwrap();
    body.pointer("/Invalid/0/problem").cloned().unwrap_or(body)
}

#[tokio::test]
async fn a_restored_backup_does_not_bring_back_the_accounts_deleted_since() {
    // Arrange: a site with three people; a backup while two of them are alive
    let (pool, url) = fresh_database().await;
    let server = ServerProcess::start(&url, &[("APP_ERASER", "0")]).await;
    let site = TestApp::at(&server.address, &pool);
    let (gone, kept) = (site.another_browser(), site.another_browser());
    assert_eq!(gone.sign_up("gone@example.test", PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(kept.sign_up("kept@example.test", PASSWORD).await.status(), StatusCode::OK);
    let gone_id: Uuid =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'gone@example.test'").fetch_one(&pool).await.unwrap();
    let dir = std::env::temp_dir().join(format!("deactivate-restore-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    pg_tool("pg_dump", &["--format=custom", "--file", &file("backup.dump"), &url]);

    // ...then one of them deletes the account, and someone who came after the backup too
    delete(&gone, "gone@example.test").await;
    let late = site.another_browser();
    assert_eq!(late.sign_up("late@example.test", PASSWORD).await.status(), StatusCode::OK);
    delete(&late, "late@example.test").await;
    std::fs::write(file("tombstones.copy"), export(&url, EXPORT_TOMBSTONES)).unwrap();
    std::fs::write(file("blocked.copy"), export(&url, EXPORT_BLOCKED_DIGESTS)).unwrap();
    drop(server);

    // The disaster: the backup restored into a new database
    let restored_url = empty_database().await;
    pg_tool("pg_restore", &["--no-owner", "--dbname", &restored_url, &file("backup.dump")]);
    let restored = PgPool::connect(&restored_url).await.unwrap();
    let alive_in_backup = "SELECT count(*) FROM accounts WHERE email = 'gone@example.test' AND deleted_at IS NULL";
    let alive: i64 = sqlx::query_scalar(alive_in_backup).fetch_one(&restored).await.unwrap();
    assert_eq!(alive, 1, "the backup holds the deleted account alive");

    // Act: the procedure, with no server running
    let run = ServerProcess::run_command(
        &restored_url,
        &["restore-deletions", &file("tombstones.copy"), &file("blocked.copy")],
    )
    .await;
    let printed = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{printed}{}", String::from_utf8_lossy(&run.stderr));
    assert!(
        printed.contains("2 tombstones and 2 blocked addresses added, 1 accounts deleted again, 1 queued"),
        "{printed}"
    );
    let server = ServerProcess::start(&restored_url, &[]).await;
    let site = TestApp::at(&server.address, &restored);

    // Assert: over HTTP, the deleted person is gone and stays gone
    let sign_in = site.another_browser().sign_in("gone@example.test", PASSWORD).await;
    assert_eq!(sign_in.status(), StatusCode::UNAUTHORIZED, "the old password no longer signs in");
    let old_session = TestApp { address: server.address.clone(), pool: restored.clone(), client: gone.client.clone() };
    assert_eq!(old_session.viewer_name().await, None, "the session in the backup is ended");
    assert_eq!(sign_up_problem(&site, "gone@example.test").await, "EmailBlocked");
    assert_eq!(sign_up_problem(&site, "late@example.test").await, "EmailBlocked", "known only from the export");
    let kept_again = TestApp { address: server.address.clone(), pool: restored.clone(), client: kept.client.clone() };
    assert_eq!(kept_again.viewer_name().await.as_deref(), Some("Test Person"), "the others are untouched");

    // ...and the eraser, running in the restored server, erases the account's row
    let erased = "SELECT count(*) = 0 FROM accounts WHERE id = $1";
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !sqlx::query_scalar::<_, bool>(erased).bind(gone_id).fetch_one(&restored).await.unwrap() {
        assert!(std::time::Instant::now() < deadline, "the restored server's eraser erases the account");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let tombstone = "SELECT count(*) FROM tombstones WHERE account_id = $1";
    assert_eq!(sqlx::query_scalar::<_, i64>(tombstone).bind(gone_id).fetch_one(&restored).await.unwrap(), 1);

    // A second run changes nothing
    drop(server);
    let again = ServerProcess::run_command(
        &restored_url,
        &["restore-deletions", &file("tombstones.copy"), &file("blocked.copy")],
    )
    .await;
    let printed = String::from_utf8_lossy(&again.stdout);
    assert!(
        printed.contains("0 tombstones and 0 blocked addresses added, 0 accounts deleted again, 0 queued"),
        "{printed}"
    );
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}
