-- What a deletion leaves behind, and the queue of accounts still being erased.

-- HMAC-SHA-256 (server secret) of the normalized email of every deleted account: registration
-- and email changes check it; the plain address is never kept.
CREATE TABLE blocked_email_digests (
    digest     bytea       PRIMARY KEY,
    blocked_at timestamptz NOT NULL DEFAULT now()
);

-- Anonymous statistics: no account id, and only the day, so a row cannot be joined back to a
-- tombstone by its time.
CREATE TABLE deletion_feedback (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reason      text   NOT NULL,
    other_text  text,
    given_on    date   NOT NULL DEFAULT current_date
);

-- The only trace of a deleted account: its id and when it was deleted.
CREATE TABLE tombstones (
    account_id uuid        PRIMARY KEY,
    deleted_at timestamptz NOT NULL DEFAULT now()
);

-- Accounts whose data the background eraser still has to remove. Not a foreign key: the
-- account row is erased last, and the queue row with it.
CREATE TABLE erasure_queue (
    account_id  uuid        PRIMARY KEY,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    -- The step the eraser has reached; it resumes from here after a crash.
    step        text        NOT NULL DEFAULT 'messages',
    batches     bigint      NOT NULL DEFAULT 0,
    rows_erased bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
