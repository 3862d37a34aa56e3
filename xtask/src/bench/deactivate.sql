-- Mirrors `deactivate` in app/src/deactivation/store.rs (its `pub mod sql` and `deactivate_in`),
-- statement by statement, one round trip each, in one transaction. psql variables: account,
-- digest_hex, reason, finish (COMMIT or ROLLBACK). A test in bench/mod.rs fails when the Rust
-- side changes: update this script, then the hash there.
BEGIN;
SELECT id FROM accounts WHERE id = :'account' AND deleted_at IS NULL FOR UPDATE \gset live_
UPDATE accounts
   SET deleted_at = now(), password_hash = '!deleted', name = '', phone = NULL,
       email = 'deleted-' || id || '@invalid'
 WHERE id = :'account';
DELETE FROM sessions WHERE account_id = :'account';
DELETE FROM rate_limit_hits WHERE key = ANY(ARRAY[:'account', :'digest_hex']);
WITH open AS (
    SELECT id, status, total_minor, currency FROM orders
     WHERE buyer_id = :'account' AND status NOT IN ('completed', 'cancelled')
       FOR UPDATE
), refunded AS (
    INSERT INTO refunds (order_id, amount_minor, currency)
    SELECT id, total_minor, currency FROM open WHERE status IN ('paid', 'shipped') AND total_minor > 0
)
UPDATE orders o SET status = 'cancelled' FROM open WHERE o.id = open.id;
UPDATE stores SET closed_at = coalesce(closed_at, now()), name = ''
 WHERE owner_id = :'account' RETURNING id AS store_id \gset
UPDATE products SET listed = false WHERE store_id = :'store_id' AND listed;
WITH open AS (
    SELECT id, status, total_minor, currency FROM orders
     WHERE store_id = :'store_id' AND status NOT IN ('completed', 'cancelled')
       FOR UPDATE
), refunded AS (
    INSERT INTO refunds (order_id, amount_minor, currency)
    SELECT id, total_minor, currency FROM open WHERE status IN ('paid', 'shipped') AND total_minor > 0
)
UPDATE orders o SET status = 'cancelled' FROM open WHERE o.id = open.id;
WITH blocked AS (
    INSERT INTO blocked_email_digests (digest) VALUES (decode(:'digest_hex', 'hex')) ON CONFLICT (digest) DO NOTHING
), feedback AS (
    INSERT INTO deletion_feedback (reason, other_text) VALUES (:'reason', NULL)
), tombstone AS (
    INSERT INTO tombstones (account_id, deleted_at) VALUES (:'account', now())
)
INSERT INTO erasure_queue (account_id) VALUES (:'account');
:finish;
