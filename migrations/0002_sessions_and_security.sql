-- Sign-in sessions. The cookie holds a random token; only its SHA-256 is stored, so a leaked
-- table cannot be replayed. Keyed by account so a deletion ends every session at once.
CREATE TABLE sessions (
    token_hash bytea       PRIMARY KEY,
    account_id uuid        NOT NULL REFERENCES accounts (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_account_id_idx ON sessions (account_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Failed attempts counted per bucket ('sign_in_ip', 'sign_in_account', 'deletion', ...) and key
-- (an IP address or a keyed digest, never a plain email address).
CREATE TABLE rate_limit_hits (
    bucket text        NOT NULL,
    key    text        NOT NULL,
    hit_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_limit_hits_lookup_idx ON rate_limit_hits (bucket, key, hit_at);
