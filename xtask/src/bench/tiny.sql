-- A tiny account: a seller with a store of three products, one session, one address, one open
-- paid purchase from the shared other store, five messages. psql variables: tag, other_store.
-- Prints the account's id.
INSERT INTO accounts (email, password_hash, name, country, phone)
VALUES ('tiny-' || :'tag' || '@tiny.example.test', '!', 'Tiny ' || :'tag', 'GB', '+44 7700 900555')
RETURNING id AS account \gset
INSERT INTO stores (owner_id, name) VALUES (:'account', 'Tiny store ' || :'tag') RETURNING id AS store \gset
INSERT INTO products (store_id, title, price_minor, currency)
SELECT :'store', 'Tiny product ' || g, 100 * g, 'EUR' FROM generate_series(1, 3) g;
INSERT INTO addresses (account_id, recipient, street, city, postal_code, country)
VALUES (:'account', 'Tiny ' || :'tag', '1 Small Lane', 'York', 'YO1 1AA', 'GB');
INSERT INTO sessions (token_hash, account_id, expires_at)
VALUES (sha256(convert_to(gen_random_uuid()::text, 'UTF8')), :'account', now() + interval '30 days');
INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, ship_to_name)
VALUES (:'account', :'other_store', 'paid', 1200, 'EUR', 'Tiny ' || :'tag');
INSERT INTO conversations (buyer_id, store_id, subject) VALUES (:'account', :'other_store', 'Hello') RETURNING id AS conversation \gset
INSERT INTO messages (conversation_id, author_id, body)
SELECT :'conversation', :'account', 'Tiny message ' || g FROM generate_series(1, 5) g;
SELECT :'account';
