//! The emails the server sends (server only): how a transaction queues one in the outbox
//! (migration 0015), and what each says, in the person's language. The background sender is
//! `server/src/mailer.rs`.
//!
//! A queued row holds the recipient's address, the language and, for a deletion, the receipt
//! number; the text is rendered when it is sent, from `locales/*.json`.

use crate::i18n::{fill, Locale};
use sqlx::PgConnection;
use uuid::Uuid;

/// What an outbox row announces; its `kind` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Email {
    /// "Your account was deleted", with the goodbye page's receipt number.
    AccountDeleted { receipt: String },
    /// "Your password was changed".
    PasswordChanged,
}

impl Email {
    pub fn kind(&self) -> &'static str {
        match self {
            Email::AccountDeleted { .. } => "account_deleted",
            Email::PasswordChanged => "password_changed",
        }
    }

    /// The email of an outbox row's `kind` and `receipt`; `None` for a row that is neither.
    pub fn from_row(kind: &str, receipt: Option<String>) -> Option<Email> {
        match (kind, receipt) {
            ("account_deleted", Some(receipt)) => Some(Email::AccountDeleted { receipt }),
            ("password_changed", None) => Some(Email::PasswordChanged),
            _ => None,
        }
    }

    /// The subject and the plain-text body in `locale`.
    pub fn render(&self, locale: Locale) -> Rendered {
        let t = locale.messages();
        match self {
            Email::AccountDeleted { receipt } => Rendered {
                subject: t.email_deleted_subject.to_string(),
                body: [
                    t.email_greeting.to_string(),
                    t.email_deleted_intro.to_string(),
                    [t.goodbye_done_sign_in, t.goodbye_done_orders, t.goodbye_done_messages, t.goodbye_done_email]
                        .map(|done| format!("- {done}"))
                        .join("\n"),
                    fill(t.email_deleted_receipt, &[("receipt", receipt)]).text,
                    fill(t.email_deleted_not_you, &[("receipt", receipt)]).text,
                    t.email_deleted_address_forgotten.to_string(),
                    t.brand.to_string(),
                ]
                .join("\n\n"),
            },
            Email::PasswordChanged => Rendered {
                subject: t.email_password_subject.to_string(),
                body: [
                    t.email_greeting.to_string(),
                    t.email_password_changed.to_string(),
                    t.email_password_not_you.to_string(),
                    t.brand.to_string(),
                ]
                .join("\n\n"),
            },
        }
    }
}

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Queues `email` to the live account `account_id`'s address, in its preferred language, in
/// the caller's transaction: it is sent if and only if that transaction commits. A deletion
/// calls it before its scrub, which replaces the address.
pub async fn queue(conn: &mut PgConnection, account_id: Uuid, email: &Email) -> sqlx::Result<()> {
    let receipt = match email {
        Email::AccountDeleted { receipt } => Some(receipt.as_str()),
        Email::PasswordChanged => None,
    };
    sqlx::query(
        "INSERT INTO email_outbox (kind, recipient, locale, receipt)
         SELECT $2, email, preferred_locale, $3 FROM accounts WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(account_id)
    .bind(email.kind())
    .bind(receipt)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deletion_email_gives_the_receipt_twice_in_the_persons_language() {
        let email = Email::AccountDeleted { receipt: "DA-1A2B-3C4D-5E6F".to_owned() };

        for locale in Locale::ALL {
            let rendered = email.render(locale);
            let t = locale.messages();
            assert_eq!(rendered.subject, t.email_deleted_subject.text);
            assert_eq!(rendered.body.matches("DA-1A2B-3C4D-5E6F").count(), 2, "{}", rendered.body);
            assert!(rendered.body.contains(t.goodbye_done_email.text), "{}", rendered.body);
            assert!(!rendered.body.contains('{'), "a placeholder left unfilled: {}", rendered.body);
        }
        assert_ne!(email.render(Locale::En).body, email.render(Locale::Fi).body);
    }

    #[test]
    fn an_outbox_row_reads_back_as_the_email_it_was_queued_as() {
        for email in [Email::AccountDeleted { receipt: "DA-0000-0000-0001".to_owned() }, Email::PasswordChanged] {
            let receipt = match &email {
                Email::AccountDeleted { receipt } => Some(receipt.clone()),
                Email::PasswordChanged => None,
            };
            assert_eq!(Email::from_row(email.kind(), receipt), Some(email));
        }
        assert_eq!(Email::from_row("password_changed", Some("DA-0000-0000-0001".to_owned())), None);
        assert_eq!(Email::from_row("newsletter", None), None);
    }
}
