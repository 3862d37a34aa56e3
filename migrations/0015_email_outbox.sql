-- The outbox of the emails the server sends (issue 18). A row is written inside the transaction
-- of what it reports (a deletion, a password change), so an email goes out if and only if that
-- transaction commits. The sender (server/src/mailer.rs) claims a due row with
-- `FOR UPDATE SKIP LOCKED`, so several server processes share the outbox and each row is sent
-- by one of them, and deletes the row in the same transaction as soon as the SMTP server has
-- accepted the email, or when it gives up.
--
-- After a deletion's scrub, `recipient` is the only copy of the person's address: the row holds
-- what the email needs and nothing more (no account id, no name), and is rendered at send time
-- from `kind`, `locale` and `receipt`.
CREATE TABLE email_outbox (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    kind       text        NOT NULL CHECK (kind IN ('account_deleted', 'password_changed')),
    recipient  text        NOT NULL,
    locale     text        NOT NULL CHECK (locale IN ('en', 'fi')),
    -- The goodbye page's receipt number, for `account_deleted`.
    receipt    text        CHECK ((kind = 'account_deleted') = (receipt IS NOT NULL)),
    queued_at  timestamptz NOT NULL DEFAULT now(),
    attempts   integer     NOT NULL DEFAULT 0,
    retry_at   timestamptz NOT NULL DEFAULT now()
);

-- The sender's claim: the due rows, oldest retry first.
CREATE INDEX email_outbox_retry_at_idx ON email_outbox (retry_at);

-- A sent row's dead tuple still holds the address: autovacuum removes it at its next round, as
-- for the tables an erasure touches (migration 0011).
ALTER TABLE email_outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
