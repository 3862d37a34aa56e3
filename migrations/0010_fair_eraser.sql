-- The eraser shares its work between the queued accounts and backs off an account whose batches
-- fail (server/src/eraser.rs, `claim` and `record_failure`).
--
-- Before: every batch claimed the oldest queued account, so a seller with a million messages
-- held up every deletion queued after it for hundreds of batches, and an account whose batch
-- always failed was claimed again at once, for ever, with everyone behind it waiting.
-- Now each batch claims the due account whose turn is oldest: the time of its last batch, or
-- of its queueing before its first. Accounts take turns batch by batch, in arrival order, and no
-- account waits more than one round. A failed batch counts against its account, which waits
-- 1 s, 2 s, 4 s ... up to 5 minutes before its next turn.
ALTER TABLE erasure_queue
    -- When its last batch ran (or failed); NULL before its first.
    ADD COLUMN last_batch_at timestamptz,
    -- Failed batches in a row; a batch that succeeds sets it back to 0.
    ADD COLUMN failures      integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    -- Not claimed before this time.
    ADD COLUMN retry_at      timestamptz NOT NULL DEFAULT now(),
    -- The SQLSTATE of the last failure (e.g. '23503'), never its message: a message or its
    -- detail can quote the person's data. NULL once a batch succeeds.
    ADD COLUMN last_error    text;

-- Accounts already under way keep their place in the rotation.
UPDATE erasure_queue SET last_batch_at = updated_at WHERE batches > 0;

-- The claim walks the queue in turn order and stops at the first due row it can lock.
CREATE INDEX erasure_queue_turn_idx ON erasure_queue ((coalesce(last_batch_at, enqueued_at)));
