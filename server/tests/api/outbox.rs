//! The email outbox and its sender (migration 0015, `app/src/email.rs`, `server/src/mailer.rs`)
//! against a real SMTP server with a web inbox: the maildev that `cargo xtask test` starts, named
//! by `TEST_SMTP_URL` and `TEST_MAIL_INBOX_URL`.

use crate::deletion::{delete_account, seed, Shape};
use crate::helpers::{fresh_database, ServerProcess, TestApp};
use app::{email::Email, i18n::Locale};
use reqwest::StatusCode;
use serde_json::Value;
use server::mailer::{self, Mailer, Outcome};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

pub fn smtp_url() -> String {
    std::env::var("TEST_SMTP_URL").expect(
        "TEST_SMTP_URL is not set: run the tests with `cargo xtask test`, which starts an SMTP server (maildev)",
    )
}

fn inbox_url() -> String {
    std::env::var("TEST_MAIL_INBOX_URL")
        .expect("TEST_MAIL_INBOX_URL is not set: run the tests with `cargo xtask test`, which starts maildev")
}

/// A sender to the test SMTP server.
pub fn test_mailer() -> Mailer {
    Mailer::new(Some(&smtp_url()), mailer::DEFAULT_FROM).expect("the test SMTP URL")
}

/// A mail the inbox received: its subject and plain text.
#[derive(Debug, Clone)]
pub struct Received {
    pub subject: String,
    pub text: String,
}

/// Every email the inbox holds for `address` (other tests write to the same inbox, each to
/// addresses of its own).
pub async fn received_by(address: &str) -> Vec<Received> {
    let all: Vec<Value> =
        reqwest::get(format!("{}/email", inbox_url())).await.expect("the inbox answers").json().await.unwrap();
    all.iter()
        .filter(|mail| mail["to"].as_array().into_iter().flatten().any(|to| to["address"].as_str() == Some(address)))
        .map(|mail| Received {
            subject: mail["subject"].as_str().unwrap_or_default().to_owned(),
            text: mail["text"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// Waits (at most 30 s) until the inbox holds at least `count` emails for `address`.
pub async fn wait_for_mail(address: &str, count: usize) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mails = received_by(address).await;
        if mails.len() >= count {
            return mails;
        }
        assert!(tokio::time::Instant::now() < deadline, "{address} received {} of {count} emails", mails.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn outbox_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_outbox").fetch_one(pool).await.unwrap()
}

/// The outbox's rows once the sender has committed (at most 10 s): the sender deletes a row in
/// the transaction that sent it, which commits only after the SMTP server has taken the mail, so
/// the inbox can show the mail a moment before the row is gone.
async fn outbox_rows_after_sending(pool: &PgPool) -> i64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = outbox_rows(pool).await;
        if rows == 0 || tokio::time::Instant::now() >= deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A server sending to the test SMTP server, with one signed-up account (preferring `locale`)
/// whose client holds its session; its id and address.
async fn signed_up_with_mail(locale: &str) -> (TestApp, Uuid, String) {
    let app = TestApp::spawn_with(|config| config.mailer = test_mailer()).await;
    let email = format!("outbox.{}@example.test", Uuid::new_v4().simple());
    assert_eq!(app.sign_up(&email, PASSWORD).await.status(), StatusCode::OK);
    let id: Uuid = sqlx::query_scalar("UPDATE accounts SET preferred_locale = $1 RETURNING id")
        .bind(locale)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (app, id, email)
}

#[tokio::test]
async fn the_deletion_email_arrives_once_in_the_persons_language_with_the_receipt_and_the_address_goes() {
    // Arrange: a Finnish-speaking person deleting from an English page; a refused try first
    let (app, id, email) = signed_up_with_mail("fi").await;
    let form = |phrase| {
        vec![("locale", "en"), ("email", email.as_str()), ("phrase", phrase), ("reason", "cheated"), ("other_text", "")]
    };
    let refused = app.post_form("deactivate_account", &form("delete it")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(outbox_rows(&app.pool).await, 0, "a refused deletion queues no email");

    // Act
    let response = app.post_form("deactivate_account", &form("deactivate my account")).await;

    // Assert: one email, in Finnish, with the goodbye page's receipt
    assert_eq!(response.status(), StatusCode::OK);
    let target: String = response.json().await.unwrap();
    let receipt = target.split("receipt=").nth(1).expect("the goodbye address has the receipt").to_owned();
    assert_eq!(receipt, app::deactivation::store::Receipt::for_account(id).0);
    let mails = wait_for_mail(&email, 1).await;
    let finnish = Email::AccountDeleted { receipt: receipt.clone() }.render(Locale::Fi);
    assert_eq!(mails[0].subject, finnish.subject);
    assert_eq!(mails[0].text.trim(), finnish.body.trim());
    assert!(mails[0].text.contains(&receipt));
    // Sent means gone from the outbox, and no second copy follows.
    assert_eq!(outbox_rows_after_sending(&app.pool).await, 0);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(received_by(&email).await.len(), 1, "sent once");
}

#[tokio::test]
async fn a_password_change_sends_the_password_email_and_a_refused_one_sends_nothing() {
    // Arrange
    let (app, _, email) = signed_up_with_mail("en").await;
    let new_password = "a brand new passphrase";

    // Act: a wrong current password, then the right one
    let refused = app.post_form("change_password", &[("current", "not my password"), ("new", new_password)]).await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    assert_eq!(outbox_rows(&app.pool).await, 0, "a refused change queues no email");
    let changed = app.post_form("change_password", &[("current", PASSWORD), ("new", new_password)]).await;

    // Assert
    assert_eq!(changed.status(), StatusCode::OK);
    let mails = wait_for_mail(&email, 1).await;
    let english = Email::PasswordChanged.render(Locale::En);
    assert_eq!((mails[0].subject.as_str(), mails[0].text.trim()), (english.subject.as_str(), english.body.trim()));
    assert_eq!(outbox_rows_after_sending(&app.pool).await, 0);
}

#[tokio::test]
async fn an_email_that_cannot_be_sent_is_retried_with_backoff_then_given_up_and_its_address_deleted() {
    // Arrange: a deletion queued, and an SMTP address where nothing listens
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 0, history: 0, store: false }).await;
    delete_account(&pool, &person).await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = Mailer::new(Some(&format!("smtp://{closed}")), mailer::DEFAULT_FROM).unwrap();
    let schedule = || async {
        sqlx::query_as::<_, (i32, f64)>(
            "SELECT attempts, extract(epoch FROM retry_at - now())::float8 FROM email_outbox",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };

    // Act and assert: each failure waits twice as long, and nothing is tried before its time
    assert_eq!(mailer::send_next(&pool, &unreachable).await.unwrap(), Outcome::Retrying);
    let (attempts, wait) = schedule().await;
    assert_eq!(attempts, 1);
    assert!((0.0..=1.0).contains(&wait), "the first retry after a second: {wait}");
    assert_eq!(mailer::send_next(&pool, &unreachable).await.unwrap(), Outcome::Idle, "not due yet");
    sqlx::query("UPDATE email_outbox SET retry_at = now()").execute(&pool).await.unwrap();
    assert_eq!(mailer::send_next(&pool, &unreachable).await.unwrap(), Outcome::Retrying);
    let (attempts, wait) = schedule().await;
    assert_eq!(attempts, 2);
    assert!((1.0..=2.0).contains(&wait), "the second after two: {wait}");

    // A day later it is given up, even by a process that sends nothing, and the address goes.
    sqlx::query("UPDATE email_outbox SET queued_at = now() - interval '25 hours'").execute(&pool).await.unwrap();
    let silent = Mailer::new(None, mailer::DEFAULT_FROM).unwrap();
    assert_eq!(mailer::send_next(&pool, &silent).await.unwrap(), Outcome::GivenUp);
    assert_eq!(outbox_rows(&pool).await, 0);
    assert!(received_by(&person.email).await.is_empty());
}

/// An SMTP server that refuses every recipient for good (550), as one does an address that
/// does not exist; its address.
async fn refusing_smtp_server() -> std::net::SocketAddr {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 refusing ESMTP\r\n").await.unwrap();
            while let Ok(Some(line)) = lines.next_line().await {
                let answer: &[u8] = match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                    Some("RCPT") => b"550 5.1.1 no such mailbox\r\n",
                    Some("QUIT") => b"221 bye\r\n",
                    _ => b"250 ok\r\n",
                };
                if write.write_all(answer).await.is_err() || answer.starts_with(b"221") {
                    break;
                }
            }
        }
    });
    address
}

#[tokio::test]
async fn an_email_refused_for_good_is_given_up_at_once_and_its_address_deleted() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 0, history: 0, store: false }).await;
    delete_account(&pool, &person).await.unwrap();
    let refusing = Mailer::new(Some(&format!("smtp://{}", refusing_smtp_server().await)), mailer::DEFAULT_FROM);

    // Act
    let outcome = mailer::send_next(&pool, &refusing.unwrap()).await.unwrap();

    // Assert
    assert_eq!(outcome, Outcome::GivenUp);
    assert_eq!(outbox_rows(&pool).await, 0);
}

#[tokio::test]
async fn two_servers_send_each_email_exactly_once() {
    // Arrange: twenty deletions queued, then two servers sending to the same SMTP server
    let (pool, url) = fresh_database().await;
    let mut people = Vec::new();
    for _ in 0..20 {
        let (person, _) = seed(&pool, None, Shape { messages: 0, history: 0, store: false }).await;
        delete_account(&pool, &person).await.unwrap();
        people.push(person);
    }
    let smtp = smtp_url();
    let env = [("RUST_LOG", "info"), ("APP_SMTP_URL", smtp.as_str()), ("APP_ERASER", "0")];
    let (a, b) = (ServerProcess::start(&url, &env).await, ServerProcess::start(&url, &env).await);

    // Act: wait for the outbox to empty
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while outbox_rows(&pool).await > 0 {
        assert!(tokio::time::Instant::now() < deadline, "emails still queued after a minute");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await; // a duplicate would be on its way

    // Assert: one email per person, each sent by one of the two servers
    for person in &people {
        let mails = received_by(&person.email).await;
        assert_eq!(mails.len(), 1, "{} received {mails:?}", person.email);
    }
    let sent = |server: &ServerProcess| {
        server.output.lock().unwrap().iter().filter(|line| line.contains("email sent")).count()
    };
    assert_eq!(sent(&a) + sent(&b), people.len(), "each email is sent by exactly one server");
    let logs = [a.output.lock().unwrap().join("\n"), b.output.lock().unwrap().join("\n")].join("\n");
    for person in &people {
        assert!(!logs.contains(&person.email), "the log names no recipient");
    }
}

#[tokio::test]
async fn without_an_smtp_url_the_server_says_once_that_it_sends_no_email() {
    // Arrange
    let (_, url) = fresh_database().await;

    // Act
    let server = ServerProcess::start(&url, &[("RUST_LOG", "warn")]).await;
    tokio::time::sleep(Duration::from_millis(2500)).await; // the warning must not repeat

    // Assert
    let said = server.output.lock().unwrap().iter().filter(|line| line.contains("APP_SMTP_URL is not set")).count();
    assert_eq!(said, 1);
}
