//! The background sender of the email outbox (migration 0015; what each email says:
//! `app::email`). It runs in every server process, on a pool of one connection of its own.
//!
//! Each email is one transaction: claim a due row with `FOR UPDATE SKIP LOCKED` (so several
//! processes share the outbox, and a row is in the hands of one of them at a time), send it over
//! SMTP, and delete the row as soon as the SMTP server has accepted it, or when it is given up:
//! refused for good (a 5xx answer, an unusable address) or still unsent [`GIVE_UP_AFTER`] after
//! it was queued. A temporary failure (a 4xx answer, no connection, a timeout) keeps the row,
//! its next try [`backoff`] later. With the address go the only copy of it a deletion leaves.
//!
//! Exactly once: a second process skips a claimed row, and a sent row is deleted in the claim's
//! transaction. The one window left is a process killed, or a database lost, after the SMTP
//! server accepted the email and before the commit: the row is still there and the email goes
//! again, with the same `Message-ID` (`<outbox id@domain>`), by which mail clients spot it.
//!
//! Without `APP_SMTP_URL` the process sends nothing (it says so once) and only gives up the
//! rows past [`GIVE_UP_AFTER`] (looking once a minute), so an address never stays longer
//! whatever the configuration.
//!
//! Nothing of the recipient reaches the log: lines name the outbox row and the SMTP status code,
//! never the address or the server's message (which often quotes it).

use app::email::Email;
use app::i18n::Locale;
use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use sqlx::PgPool;
use std::{future::Future, time::Duration};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// How long an email may wait for a server that accepts it; then its row, and the address, go.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest wait between two tries of one email.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// How often an idle sender looks at the outbox.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// How often a process without SMTP looks for rows to give up: the give-up time is a day, and
/// it has nothing else to do there.
const GIVE_UP_POLL: Duration = Duration::from_secs(60);
/// An SMTP exchange that takes longer counts as a temporary failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// The sender of every email unless `APP_SMTP_FROM` says otherwise.
pub const DEFAULT_FROM: &str = "AliExpress <no-reply@deactivate.test>";

/// The wait before the next try of an email that failed `attempts` times in a row: 1 s doubled
/// for each earlier failure, at most [`MAX_BACKOFF`] (1, 2, 4 ... 256 s, then 300 s).
pub fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(1u64 << attempts.clamp(1, 10).saturating_sub(1)).min(MAX_BACKOFF)
}

/// Where and as whom to send.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp_url`: lettre's form, `smtp://host:port` (plain, as for a local catcher),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtps://host:465`; `None`:
    /// no email is sent. `from`: an address, with a name if wanted (`Shop <no-reply@shop.example>`).
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Mailer, String> {
        let from = from.parse::<Mailbox>().map_err(|e| format!("APP_SMTP_FROM={from} is not an address: {e}"))?;
        let transport = smtp_url
            .map(|url| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|builder| builder.timeout(Some(SMTP_TIMEOUT)).build())
                    .map_err(|e| format!("APP_SMTP_URL is not an SMTP URL such as smtp://host:25 ({e})"))
            })
            .transpose()?;
        Ok(Mailer { transport, from })
    }

    pub fn sends(&self) -> bool {
        self.transport.is_some()
    }
}

/// What [`send_next`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was due (or every due row is another process's).
    Idle,
    Sent,
    /// Deleted unsent: refused for good, or too old.
    GivenUp,
    /// A temporary failure: tried again later.
    Retrying,
}

/// The oldest due row, locked for this transaction; others skip it.
const CLAIM: &str = "SELECT id, kind, recipient, locale, receipt, attempts,
        queued_at < now() - make_interval(secs => $1) AS expired
   FROM email_outbox WHERE retry_at <= now()
  ORDER BY retry_at FOR UPDATE SKIP LOCKED LIMIT 1";

/// Without SMTP: a row past the give-up time only.
const CLAIM_EXPIRED: &str = "SELECT id, kind, recipient, locale, receipt, attempts, true AS expired
   FROM email_outbox WHERE queued_at < now() - make_interval(secs => $1)
  ORDER BY queued_at FOR UPDATE SKIP LOCKED LIMIT 1";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    recipient: String,
    locale: String,
    receipt: Option<String>,
    attempts: i32,
    expired: bool,
}

/// Claims one due email and sends it, gives it up, or schedules its next try, in one
/// transaction.
pub async fn send_next(pool: &PgPool, mailer: &Mailer) -> sqlx::Result<Outcome> {
    let mut tx = pool.begin().await?;
    let claim = if mailer.sends() { CLAIM } else { CLAIM_EXPIRED };
    let Some(row) = sqlx::query_as::<_, Row>(claim).bind(GIVE_UP_AFTER.as_secs_f64()).fetch_optional(&mut *tx).await?
    else {
        // Now, rather than when the connection is next used: the session is not left idle in
        // a transaction between two looks.
        tx.rollback().await?;
        return Ok(Outcome::Idle);
    };
    let outcome = match (&mailer.transport, row.expired) {
        (Some(transport), false) => try_to_send(transport, &mailer.from, &row).await,
        _ => {
            tracing::warn!(outbox_id = %row.id, kind = row.kind, attempts = row.attempts,
                "email given up: unsent after {} hours; its address is deleted", GIVE_UP_AFTER.as_secs() / 3600);
            Outcome::GivenUp
        }
    };
    if outcome == Outcome::Retrying {
        let attempts = row.attempts + 1;
        sqlx::query(
            "UPDATE email_outbox SET attempts = $2, retry_at = now() + make_interval(secs => $3) WHERE id = $1",
        )
        .bind(row.id)
        .bind(attempts)
        .bind(backoff(attempts).as_secs_f64())
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query("DELETE FROM email_outbox WHERE id = $1").bind(row.id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

async fn try_to_send(transport: &AsyncSmtpTransport<Tokio1Executor>, from: &Mailbox, row: &Row) -> Outcome {
    let message = match message(from, row) {
        Ok(message) => message,
        Err(problem) => {
            tracing::error!(outbox_id = %row.id, kind = row.kind, "email given up: {problem}");
            return Outcome::GivenUp;
        }
    };
    match transport.send(message).await {
        Ok(_) => {
            tracing::info!(outbox_id = %row.id, kind = row.kind, "email sent");
            Outcome::Sent
        }
        Err(error) if error.is_permanent() => {
            let status = error.status().map(|code| code.to_string());
            tracing::warn!(outbox_id = %row.id, kind = row.kind, status, "email given up: the SMTP server refused it for good");
            Outcome::GivenUp
        }
        Err(error) => {
            let status = error.status().map(|code| code.to_string());
            let timeout = error.is_timeout();
            tracing::warn!(outbox_id = %row.id, kind = row.kind, attempts = row.attempts + 1, status, timeout,
                "email not sent; it is tried again later");
            Outcome::Retrying
        }
    }
}

/// The row's email, rendered in its language; why not, if the row cannot make one.
fn message(from: &Mailbox, row: &Row) -> Result<Message, &'static str> {
    let email = Email::from_row(&row.kind, row.receipt.clone()).ok_or("the row is no known kind of email")?;
    let locale = Locale::from_tag(&row.locale).ok_or("the row's locale is unknown")?;
    let to = row.recipient.parse::<Mailbox>().map_err(|_| "the recipient is not an address")?;
    let rendered = email.render(locale);
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(format!("<{}@{}>", row.id, from.email.domain())))
        .header(ContentType::TEXT_PLAIN)
        .body(rendered.body)
        .map_err(|_| "the email cannot be built")
}

/// Sends what is due, then looks again every [`IDLE_POLL`], until `shutdown` completes (after
/// the email under way).
pub fn spawn(pool: PgPool, mailer: Mailer, shutdown: impl Future + Send + 'static) -> JoinHandle<()> {
    if !mailer.sends() {
        tracing::warn!(
            "APP_SMTP_URL is not set: this server sends no email (queued ones are deleted unsent after {} hours)",
            GIVE_UP_AFTER.as_secs() / 3600
        );
    }
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        loop {
            let outcome = send_next(&pool, &mailer).await;
            if let Err(error) = &outcome {
                tracing::warn!(%error, "the outbox could not be read; the sender looks again in a second");
            }
            let pause = match outcome {
                Ok(Outcome::Sent | Outcome::GivenUp | Outcome::Retrying) => Duration::ZERO,
                _ if mailer.sends() => IDLE_POLL,
                _ => GIVE_UP_POLL,
            };
            tokio::select! {
                _ = &mut shutdown => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_a_second_up_to_five_minutes() {
        let waits: Vec<u64> = (1..=12).map(|attempts| backoff(attempts).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    }

    #[test]
    fn a_bad_smtp_url_or_sender_is_refused_at_start() {
        assert!(Mailer::new(Some("smtp://127.0.0.1:25"), DEFAULT_FROM).is_ok_and(|m| m.sends()));
        assert!(Mailer::new(None, DEFAULT_FROM).is_ok_and(|m| !m.sends()));
        assert!(Mailer::new(Some("http://127.0.0.1:25"), DEFAULT_FROM).is_err());
        assert!(Mailer::new(None, "not an address").is_err());
    }
}
