-- The baseline of the erasure: everything `server/src/eraser.rs` does to one deleted account,
-- as one transaction of plain statements over all its rows (what a cascading DELETE would do).
-- psql variable: account.
BEGIN;
DELETE FROM messages WHERE author_id = :'account';
UPDATE orders SET buyer_id = NULL, ship_to_name = NULL, ship_to_address = NULL, ship_to_phone = NULL
 WHERE buyer_id = :'account';
UPDATE conversations SET buyer_id = NULL WHERE buyer_id = :'account';
UPDATE order_items SET product_id = NULL
 WHERE product_id IN (SELECT p.id FROM stores s JOIN products p ON p.store_id = s.id WHERE s.owner_id = :'account');
DELETE FROM products WHERE store_id IN (SELECT id FROM stores WHERE owner_id = :'account');
DELETE FROM addresses WHERE account_id = :'account';
UPDATE stores SET owner_id = NULL, name = '', closed_at = coalesce(closed_at, now()) WHERE owner_id = :'account';
DELETE FROM sessions WHERE account_id = :'account';
DELETE FROM accounts WHERE id = :'account' AND deleted_at IS NOT NULL;
DELETE FROM erasure_queue WHERE account_id = :'account';
COMMIT;
