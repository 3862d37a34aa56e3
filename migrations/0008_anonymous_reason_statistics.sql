-- Why people leave, kept so that nothing links a reason to an account.
--
-- Before: one deletion_feedback row per deletion, written in the deletion's transaction beside
-- the tombstone, with a sequential id: its xmin, its id order and the tombstone's time each
-- paired a reason with an account. Now:
--
-- * the deletion writes its reason into an inbox (it must not be lost, so it is written in the
--   deletion's transaction, and carries its xmin while it waits there);
-- * the housekeeping job releases the inbox in a transaction of its own, only once it holds at
--   least five reasons or one from an earlier day: it adds them to counters per day, reason,
--   locale and role, and inserts the "Other" texts in random order, with the day only; then
--   the inbox rows are deleted (and vacuumed);
-- * tombstones and blocked digests keep the day, not the time.
CREATE TABLE deletion_feedback_inbox (
    given_on   date NOT NULL DEFAULT current_date,
    reason     text NOT NULL,
    locale     text NOT NULL,
    role       text NOT NULL CHECK (role IN ('buyer', 'seller')),
    other_text text
);

CREATE TABLE deletion_reason_counts (
    day       date    NOT NULL,
    reason    text    NOT NULL,
    -- 'unknown' for the deletions counted before locale and role were kept.
    locale    text    NOT NULL,
    role      text    NOT NULL CHECK (role IN ('buyer', 'seller', 'unknown')),
    deletions integer NOT NULL CHECK (deletions > 0),
    PRIMARY KEY (day, reason, locale, role)
);

-- A random id: no order of insertion to read.
CREATE TABLE deletion_other_texts (
    id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    given_on date NOT NULL,
    text     text NOT NULL
);

INSERT INTO deletion_reason_counts (day, reason, locale, role, deletions)
SELECT given_on, reason, 'unknown', 'unknown', count(*) FROM deletion_feedback GROUP BY given_on, reason;
INSERT INTO deletion_other_texts (given_on, text)
SELECT given_on, other_text FROM deletion_feedback WHERE other_text IS NOT NULL ORDER BY random();
DROP TABLE deletion_feedback;

ALTER TABLE tombstones ADD COLUMN deleted_on date;
UPDATE tombstones SET deleted_on = deleted_at::date;
ALTER TABLE tombstones ALTER COLUMN deleted_on SET NOT NULL,
                       ALTER COLUMN deleted_on SET DEFAULT current_date,
                       DROP COLUMN deleted_at;

ALTER TABLE blocked_email_digests ADD COLUMN blocked_on date;
UPDATE blocked_email_digests SET blocked_on = blocked_at::date;
ALTER TABLE blocked_email_digests ALTER COLUMN blocked_on SET NOT NULL,
                                  ALTER COLUMN blocked_on SET DEFAULT current_date,
                                  DROP COLUMN blocked_at;
