-- Other users (DESIGN.md section 8, "other users' p99 during an erasure"): :count normal-sized
-- accounts, each with a session, a few purchases from the shop and a conversation with a few
-- messages, and `bench_other_users`, the lookup table the pgbench scripts pick one from by
-- number. psql variables: count, other_store.
CREATE TABLE bench_other_users (
    aid             int   PRIMARY KEY,
    account_id      uuid  NOT NULL,
    token_hash      bytea NOT NULL,
    conversation_id uuid  NOT NULL
);
INSERT INTO accounts (email, password_hash, name, country, phone)
SELECT 'other-' || g || '@other.example.test', '!', 'Other ' || g, 'GB', '+44 7700 900777'
  FROM generate_series(1, :count) g;
INSERT INTO bench_other_users (aid, account_id, token_hash, conversation_id)
SELECT g, a.id, sha256(convert_to('other-session-' || g, 'UTF8')), gen_random_uuid()
  FROM generate_series(1, :count) g
  JOIN accounts a ON a.email = 'other-' || g || '@other.example.test';
INSERT INTO sessions (token_hash, account_id, expires_at)
SELECT token_hash, account_id, now() + interval '30 days' FROM bench_other_users;
INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, ship_to_name, ship_to_address, placed_at)
SELECT u.account_id, :'other_store', (CASE WHEN g = 1 THEN 'paid' ELSE 'completed' END)::order_status,
       1000 + 10 * g, 'EUR', 'Other ' || u.aid, u.aid || ' Side Street, Bath', now() - g * interval '1 day'
  FROM bench_other_users u, generate_series(1, 5) g;
INSERT INTO conversations (id, buyer_id, store_id, subject)
SELECT conversation_id, account_id, :'other_store', 'About my order' FROM bench_other_users;
INSERT INTO messages (conversation_id, author_id, body, sent_at)
SELECT u.conversation_id, u.account_id, 'Other message ' || g, now() - g * interval '1 hour'
  FROM bench_other_users u, generate_series(1, 5) g;
SELECT count(*) FROM bench_other_users;
