-- The service's staff, and what their reason statistics page reads (issue 17).
--
-- A staff member is an account with a row here: granted and revoked only from the command
-- line (`server staff grant|revoke EMAIL`), never through the web. The row goes with the
-- account when the eraser removes it.
CREATE TABLE staff_members (
    account_id uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    granted_on date NOT NULL DEFAULT current_date
);

-- The page reads the counters of a range of days (the primary key starts with the day) and the
-- "Other" texts of a range of days, newest first: this index.
CREATE INDEX deletion_other_texts_given_on_idx ON deletion_other_texts (given_on);
