-- The eraser's message batches now start at the previous batch's first message (so each scan
-- marks the previous batch's index entries dead once), not after its last: the column says so.
ALTER TABLE erasure_queue RENAME COLUMN last_message_id TO messages_from;
