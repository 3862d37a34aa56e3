-- The accounts the fixtures API made (issue 20, point 5; docs/decisions/0036). Only a server
-- built with the `test-fixtures` feature writes or reads this table: in production it stays
-- empty. Each row says when its account expires (the fixtures' cleanup job deletes it then,
-- through the deletion's own statements and the eraser) and holds the SHA-256 of the deletion
-- token its creator was given, which `DELETE /test-fixtures/accounts/{id}` requires: only the
-- suite that made a fixture can delete it early.
--
-- ON DELETE CASCADE: a fixture deleted through the journey itself (the deactivation form) is
-- erased by the eraser like any account, and its row goes with the account row.
CREATE TABLE test_fixtures (
    account_id          uuid        PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    deletion_token_hash bytea       NOT NULL,
    expires_at          timestamptz NOT NULL
);

-- The cleanup job's look for expired fixtures.
CREATE INDEX test_fixtures_expires_at_idx ON test_fixtures (expires_at);
