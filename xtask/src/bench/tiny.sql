-- A tiny account with the same open business as a huge one (`xtask/src/huge.rs`), so that the
-- deletion call's time is compared for accounts that differ only in their history: a seller with
-- 100 listed products and two open paid sales, three open purchases (awaiting payment, paid,
-- shipped) from the shared other store, three addresses, three sessions; five messages.
-- psql variables: tag, other_store. Prints the account's id.
INSERT INTO accounts (email, password_hash, name, country, phone)
VALUES ('tiny-' || :'tag' || '@tiny.example.test', '!', 'Tiny ' || :'tag', 'GB', '+44 7700 900555')
RETURNING id AS account \gset
INSERT INTO stores (owner_id, name) VALUES (:'account', 'Tiny store ' || :'tag') RETURNING id AS store \gset
INSERT INTO products (store_id, title, price_minor, currency)
SELECT :'store', 'Tiny product ' || g, 100 * g, 'EUR' FROM generate_series(1, 100) g;
INSERT INTO addresses (account_id, recipient, street, city, postal_code, country)
SELECT :'account', 'Tiny ' || :'tag', g || ' Small Lane', 'York', 'YO1 1AA', 'GB' FROM generate_series(1, 3) g;
INSERT INTO sessions (token_hash, account_id, expires_at)
SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')), :'account', now() + interval '30 days'
  FROM generate_series(1, 3);
INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, ship_to_name)
SELECT :'account', :'other_store', status::order_status, 1200, 'EUR', 'Tiny ' || :'tag'
  FROM unnest(ARRAY['awaiting_payment', 'paid', 'shipped']) status;
WITH sold AS (
    INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, ship_to_name)
    SELECT (SELECT owner_id FROM stores WHERE id = :'other_store'), :'store', 'paid', 500, 'EUR', 'The shop'
      FROM generate_series(1, 2)
    RETURNING id
)
INSERT INTO order_items (order_id, product_id, title, quantity, unit_price_minor)
SELECT sold.id, (SELECT id FROM products WHERE store_id = :'store' LIMIT 1), 'Tiny product', 1, 500 FROM sold;
INSERT INTO conversations (buyer_id, store_id, subject) VALUES (:'account', :'other_store', 'Hello') RETURNING id AS conversation \gset
INSERT INTO messages (conversation_id, author_id, body)
SELECT :'conversation', :'account', 'Tiny message ' || g FROM generate_series(1, 5) g;
SELECT :'account';
