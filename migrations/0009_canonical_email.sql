-- The canonical form of each address (NFKC, full case folding: app/src/auth/canonical.rs),
-- made in Rust at sign-up: what sign-in looks an address up by and what keeps addresses
-- unique, so `STRASSE@` and `straße@` are one account. Rows written without it (before this
-- migration, or by tools that insert accounts directly) fall back to lower(email).
ALTER TABLE accounts ADD COLUMN email_canonical text;
DROP INDEX accounts_email_key;
CREATE UNIQUE INDEX accounts_email_key ON accounts ((coalesce(email_canonical, lower(email))));

-- The id of the key each block-list digest was made with (NULL: made before keys had ids,
-- with APP_SECRET itself over the lower-cased address; those are still checked).
ALTER TABLE blocked_email_digests ADD COLUMN key_id text;
