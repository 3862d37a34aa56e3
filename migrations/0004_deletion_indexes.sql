-- Indexes the account deletion relies on, so that each of its statements touches only the rows
-- it changes: the open orders (never the whole history), the listed products, the queue.

-- The deletion cancels the person's open orders as a buyer, and its store's open sales.
CREATE INDEX orders_open_buyer_idx ON orders (buyer_id) WHERE status NOT IN ('completed', 'cancelled');
CREATE INDEX orders_open_store_idx ON orders (store_id) WHERE status NOT IN ('completed', 'cancelled');

-- It unlists the store's listed products.
CREATE INDEX products_listed_store_idx ON products (store_id) WHERE listed;

-- It forgets the failed attempts counted against the account, whatever the bucket.
CREATE INDEX rate_limit_hits_key_idx ON rate_limit_hits (key);

-- The eraser claims the oldest queued account.
CREATE INDEX erasure_queue_enqueued_at_idx ON erasure_queue (enqueued_at);

-- The last message id the eraser deleted, so each batch of the person's messages starts where
-- the previous one stopped instead of walking past the index entries already deleted.
-- NULL: from the first message.
ALTER TABLE erasure_queue ADD COLUMN last_message_id bigint;
