-- The ten-minute password rule belongs to the session that entered the password (as GitHub's
-- sudo mode), not to the account: a stolen cookie must not gain the right to delete the account
-- because its owner signed in somewhere else. Every session starts at a password entry (sign-in
-- or sign-up), so the sessions that exist now had theirs when they were created.
ALTER TABLE sessions ADD COLUMN password_entered_at timestamptz;
UPDATE sessions SET password_entered_at = created_at;
ALTER TABLE sessions ALTER COLUMN password_entered_at SET NOT NULL,
                     ALTER COLUMN password_entered_at SET DEFAULT now();
ALTER TABLE accounts DROP COLUMN password_entered_at;

-- Rate limits count every attempt before the slow check it guards, in one atomic statement on
-- one row per bucket and key (INSERT ... ON CONFLICT DO UPDATE locks the row, so parallel
-- attempts are counted one after another). A window starts at its first attempt.
DROP TABLE rate_limit_hits;
CREATE TABLE rate_limits (
    bucket            text        NOT NULL,
    key               text        NOT NULL,
    window_started_at timestamptz NOT NULL DEFAULT now(),
    attempts          integer     NOT NULL DEFAULT 1 CHECK (attempts >= 0),
    PRIMARY KEY (bucket, key)
);
-- The deletion forgets the attempts counted against the account, whatever the bucket.
CREATE INDEX rate_limits_key_idx ON rate_limits (key);
-- The housekeeping job purges the windows that ended.
CREATE INDEX rate_limits_window_started_at_idx ON rate_limits (window_started_at);
