//! The account deletion (`app::deactivation::store`): what holds from the moment it returns, and
//! what is left once the eraser is done. Also the shared helpers of `eraser.rs`: a person with
//! unique personal data spread over every table, and the sweep that looks for it.

use crate::helpers::{fresh_database, TestApp, TEST_SECRET};
use app::{
    auth::{
        digest::{AddressDigests, EmailDigester},
        session::{self, SessionToken},
    },
    deactivation::store::{deactivate, impact, sql, DeactivateError, Receipt},
    domain::{
        account::EmailAddress,
        deactivation::{Feedback, Reason},
    },
    i18n::Locale,
};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

// ---------------------------------------------------------------------------------------------
// Helpers (also used by eraser.rs)
// ---------------------------------------------------------------------------------------------

/// A session of the account's own, with the password just entered in it, as after a sign-in.
pub async fn session_of(pool: &PgPool, account_id: Uuid) -> SessionToken {
    let mut conn = pool.acquire().await.unwrap();
    session::create(&mut conn, account_id).await.unwrap()
}

/// Deletes the person's account as the form does, from their session.
pub async fn delete_account(pool: &PgPool, person: &Person) -> Result<Receipt, DeactivateError> {
    deactivate(pool, person.id, &person.session, &person.digest(), &feedback()).await
}

/// What a test seeds around the person.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Messages in the person's conversation with the counterparty's store, alternating (the
    /// person writes the odd ones).
    pub messages: i32,
    /// Completed purchases beyond the one order in every status.
    pub history: i32,
    /// Whether the person is also a seller, with sales to the counterparty.
    pub store: bool,
}

/// The person to be deleted. Every string is unique to them, so a sweep that finds one has
/// found their data.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub street: String,
    pub store_id: Option<Uuid>,
    pub product_ids: Vec<Uuid>,
    /// A session of theirs, with the password just entered in it.
    pub session: SessionToken,
}

impl Person {
    /// The strings a sweep looks for.
    pub fn needles(&self) -> Vec<String> {
        vec![self.id.to_string(), self.email.clone(), self.name.clone(), self.phone.clone(), self.street.clone()]
    }

    pub fn digest(&self) -> AddressDigests {
        EmailDigester::new(TEST_SECRET).digests(&EmailAddress::parse(&self.email).unwrap())
    }
}

/// The other side of the person's trade: the store the person buys from, and the buyer of the
/// person's store.
#[derive(Debug, Clone)]
pub struct Counterparty {
    pub id: Uuid,
    pub store_id: Uuid,
}

/// Seeds a person and a counterparty. Returns the person's own account id, email and password
/// hash as given (`account`: an existing account, e.g. one signed up over HTTP).
pub async fn seed(pool: &PgPool, account: Option<(Uuid, &str)>, shape: Shape) -> (Person, Counterparty) {
    let tag = Uuid::new_v4().simple().to_string();
    let (id, email) = match account {
        Some((id, email)) => (id, email.to_owned()),
        None => {
            let email = format!("pat-{tag}@example.test");
            let id = sqlx::query_scalar(
                "INSERT INTO accounts (email, password_hash, name, country) VALUES ($1, '!test', 'x', 'FI') RETURNING id",
            )
            .bind(&email)
            .fetch_one(pool)
            .await
            .unwrap();
            (id, email)
        }
    };
    let name = format!("Pat Erasable {tag}");
    let phone = format!("+358 40 {:010}", Uuid::new_v4().as_u128() % 10_000_000_000);
    let street = format!("Erasuregatan {tag} B 7");
    let address = format!("{street}, 00100 Helsinki, FI");
    sqlx::query("UPDATE accounts SET name = $2, phone = $3 WHERE id = $1")
        .bind(id)
        .bind(&name)
        .bind(&phone)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO addresses (account_id, recipient, street, city, postal_code, country, phone)
         VALUES ($1, $2, $3, 'Helsinki', '00100', 'FI', $4)",
    )
    .bind(id)
    .bind(&name)
    .bind(&street)
    .bind(&phone)
    .execute(pool)
    .await
    .unwrap();

    // The counterparty: a seller the person buys from, and the buyer of the person's store.
    let other_tag = Uuid::new_v4().simple().to_string();
    let counterparty_id: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country, phone)
         VALUES ($1, '!test', $2, 'GB', '+44 7700 900123') RETURNING id",
    )
    .bind(format!("cora-{other_tag}@example.test"))
    .bind(format!("Cora Counter {other_tag}"))
    .fetch_one(pool)
    .await
    .unwrap();
    let counterparty_store: Uuid =
        sqlx::query_scalar("INSERT INTO stores (owner_id, name) VALUES ($1, $2) RETURNING id")
            .bind(counterparty_id)
            .bind(format!("Cora's Corner {other_tag}"))
            .fetch_one(pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO products (store_id, title, price_minor, currency)
         VALUES ($1, 'Brass lamp', 4200, 'EUR'), ($1, 'Wool socks', 1500, 'EUR')",
    )
    .bind(counterparty_store)
    .execute(pool)
    .await
    .unwrap();
    // One purchase in every status, then the history, all shipped to the person.
    insert_orders(
        pool,
        id,
        counterparty_store,
        "ARRAY['awaiting_payment','paid','shipped','completed','cancelled']::order_status[]
         || array_fill('completed'::order_status, ARRAY[$6::int])",
        shape.history,
        (&name, &address, &phone),
    )
    .await;
    // A refund already on its way for the cancelled one.
    sqlx::query(
        "INSERT INTO refunds (order_id, amount_minor, currency)
         SELECT id, total_minor, currency FROM orders WHERE buyer_id = $1 AND status = 'cancelled'",
    )
    .bind(id)
    .execute(pool)
    .await
    .unwrap();
    insert_conversation(pool, (id, counterparty_id, counterparty_store), shape.messages, (id, &name)).await;

    let (store_id, product_ids) = if shape.store {
        let store_id: Uuid = sqlx::query_scalar("INSERT INTO stores (owner_id, name) VALUES ($1, $2) RETURNING id")
            .bind(id)
            .bind(format!("{name}'s shop"))
            .fetch_one(pool)
            .await
            .unwrap();
        let product_ids: Vec<Uuid> = sqlx::query_scalar(
            "INSERT INTO products (store_id, title, price_minor, currency)
             VALUES ($1, 'Handmade mug', 1850, 'EUR'), ($1, 'Linen tote bag', 2200, 'EUR'), ($1, 'Enamel pin', 650, 'EUR')
             RETURNING id",
        )
        .bind(store_id)
        .fetch_all(pool)
        .await
        .unwrap();
        // Sales to the counterparty in every status, shipped to the counterparty.
        insert_orders(
            pool,
            counterparty_id,
            store_id,
            "ARRAY['awaiting_payment','paid','shipped','completed','cancelled']::order_status[]
             || array_fill('completed'::order_status, ARRAY[$6::int])",
            shape.history,
            ("Cora Counter", "1 Counter Road, London", "+44 7700 900123"),
        )
        .await;
        insert_conversation(pool, (counterparty_id, id, store_id), 10, (id, &name)).await;
        (Some(store_id), product_ids)
    } else {
        (None, Vec::new())
    };

    // Signed in (the password just entered in that session), and a deletion attempt counted.
    let session = session_of(pool, id).await;
    sqlx::query("INSERT INTO rate_limits (bucket, key) VALUES ('deletion', $1)")
        .bind(id.to_string())
        .execute(pool)
        .await
        .unwrap();

    let person = Person { id, email, name, phone, street, store_id, product_ids, session };
    (person, Counterparty { id: counterparty_id, store_id: counterparty_store })
}

/// Orders of `buyer` at `store`, one item each (the store's products in turn), in the statuses
/// of `statuses_sql` (an array expression; `$6` is `extra`).
async fn insert_orders(
    pool: &PgPool,
    buyer: Uuid,
    store: Uuid,
    statuses_sql: &str,
    extra: i32,
    (ship_name, ship_address, ship_phone): (&str, &str, &str),
) {
    sqlx::query(&format!(
        "WITH catalogue AS (
             SELECT id, title, price_minor, row_number() OVER (ORDER BY title) - 1 AS n,
                    count(*) OVER () AS total
               FROM products WHERE store_id = $2
         ), wanted AS (
             SELECT gen_random_uuid() AS id, s.status, s.i
               FROM unnest({statuses_sql}) WITH ORDINALITY AS s(status, i)
         ), new_orders AS (
             INSERT INTO orders (id, buyer_id, store_id, status, total_minor, currency,
                                 ship_to_name, ship_to_address, ship_to_phone, placed_at)
             SELECT w.id, $1, $2, w.status, p.price_minor, 'EUR', $3, $4, $5, now() - w.i * interval '1 hour'
               FROM wanted w JOIN catalogue p ON p.n = w.i % p.total
         )
         INSERT INTO order_items (order_id, product_id, title, quantity, unit_price_minor)
         SELECT w.id, p.id, p.title, 1, p.price_minor FROM wanted w JOIN catalogue p ON p.n = w.i % p.total"
    ))
    .bind(buyer)
    .bind(store)
    .bind(ship_name)
    .bind(ship_address)
    .bind(ship_phone)
    .bind(extra)
    .execute(pool)
    .await
    .unwrap();
}

/// A conversation of `buyer` with `store` (owned by `owner`): `count` messages alternating
/// between the buyer (first) and the owner. `person` signs theirs with `person_name`.
async fn insert_conversation(
    pool: &PgPool,
    (buyer, owner, store): (Uuid, Uuid, Uuid),
    count: i32,
    (person, person_name): (Uuid, &str),
) {
    sqlx::query(
        "WITH c AS (
             INSERT INTO conversations (buyer_id, store_id, subject)
             VALUES ($1, $2, CASE WHEN $1 = $4 THEN 'About my order, ' || $5 ELSE 'About an order' END) RETURNING id
         ), authored AS (
             SELECT i, CASE WHEN i % 2 = 1 THEN $1 ELSE $3 END AS author FROM generate_series(1, $6) AS i
         )
         INSERT INTO messages (conversation_id, author_id, body)
         SELECT c.id, a.author,
                format('Message %s. Regards, %s', a.i, CASE WHEN a.author = $4 THEN $5 ELSE 'the other side' END)
           FROM c CROSS JOIN authored a ORDER BY a.i",
    )
    .bind(buyer)
    .bind(store)
    .bind(owner)
    .bind(person)
    .bind(person_name)
    .bind(count)
    .execute(pool)
    .await
    .unwrap();
}

/// Every (table, column, needle) where a column of a table of the public schema, cast to text,
/// contains one of `needles` (ignoring case); for `bytea` columns, also where the raw bytes
/// contain the needle's UTF-8 bytes.
pub async fn sweep(pool: &PgPool, needles: &[String]) -> Vec<(String, String, String)> {
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text
           FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
          ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(columns.len() > 40, "the sweep sees the schema: {columns:?}");
    let mut hits = Vec::new();
    for (table, column, data_type) in columns {
        let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let (t, c) = (quoted(&table), quoted(&column));
        let raw = if data_type == "bytea" {
            format!(" OR position(convert_to(n, 'UTF8') IN {c}) > 0")
        } else {
            String::new()
        };
        let found: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT n FROM unnest($1::text[]) AS n
              WHERE EXISTS (SELECT 1 FROM {t} WHERE strpos(lower({c}::text), lower(n)) > 0{raw})"
        ))
        .bind(needles)
        .fetch_all(pool)
        .await
        .unwrap();
        hits.extend(found.into_iter().map(|n| (table.clone(), column.clone(), n)));
    }
    hits
}

/// The sweep's hits for the person, minus the tombstone (which keeps the id on purpose).
pub async fn traces_of(pool: &PgPool, person: &Person) -> Vec<(String, String, String)> {
    let id = person.id.to_string();
    sweep(pool, &person.needles())
        .await
        .into_iter()
        .filter(|(table, column, needle)| !(table == "tombstones" && column == "account_id" && *needle == id))
        .filter(|(table, column, needle)| !is_unsent_goodbye(table, column, needle, person))
        .collect()
}

/// The address in the outbox, until the "account deleted" email is sent or given up: the one
/// trace the erasure leaves to the sender (`once_erased_no_table_holds_the_persons_data_...`
/// proves that it goes too).
pub fn is_unsent_goodbye(table: &str, column: &str, needle: &str, person: &Person) -> bool {
    table == "email_outbox" && column == "recipient" && needle == person.email
}

/// Runs erasure batches until the queue is empty (another eraser, e.g. a test server's, may be
/// working on it at the same time).
pub async fn erase_everything(pool: &PgPool, batch_size: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let did = server::eraser::erase_one_batch(pool, batch_size).await.expect("an erasure batch");
        if did.is_none() {
            let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM erasure_queue").fetch_one(pool).await.unwrap();
            if queued == 0 {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "the erasure did not finish");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn feedback() -> Feedback {
    Feedback { reason: Reason::Other, locale: Locale::En, other_text: Some("Moving to another planet".to_owned()) }
}

pub async fn count(pool: &PgPool, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(pool).await.unwrap()
}

/// What the counterparty has, by count.
pub async fn counterparty_holdings(pool: &PgPool, c: &Counterparty) -> Vec<(&'static str, i64)> {
    let queries: [(&'static str, &str); 7] = [
        ("account", "SELECT count(*) FROM accounts WHERE id = $1 AND deleted_at IS NULL"),
        ("purchases", "SELECT count(*) FROM orders WHERE buyer_id = $1"),
        ("sales", "SELECT count(*) FROM orders o JOIN stores s ON s.id = o.store_id WHERE s.owner_id = $1"),
        ("messages", "SELECT count(*) FROM messages WHERE author_id = $1"),
        ("conversations", "SELECT count(*) FROM conversations WHERE buyer_id = $1"),
        ("store", "SELECT count(*) FROM stores WHERE owner_id = $1 AND closed_at IS NULL AND name <> ''"),
        (
            "products",
            "SELECT count(*) FROM products p JOIN stores s ON s.id = p.store_id WHERE s.owner_id = $1 AND p.listed",
        ),
    ];
    let mut holdings = Vec::new();
    for (what, sql) in queries {
        holdings.push((what, count(pool, sql, c.id).await));
    }
    holdings
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn from_the_moment_it_returns_the_credentials_and_session_are_dead_and_the_email_is_blocked() {
    // Arrange
    let app = TestApp::spawn().await;
    let email = format!("Leaving.{}@Example.com", Uuid::new_v4().simple());
    assert_eq!(app.sign_up(&email, PASSWORD).await.status(), StatusCode::OK);
    let id: Uuid = sqlx::query_scalar("SELECT id FROM accounts").fetch_one(&app.pool).await.unwrap();
    let (person, _) = seed(&app.pool, Some((id, &email)), Shape { messages: 6, history: 3, store: false }).await;
    assert_eq!(app.viewer_name().await.as_deref(), Some(person.name.as_str()));

    // Act
    let receipt = delete_account(&app.pool, &person).await.expect("the deletion succeeds");

    // Assert
    assert_eq!(receipt, Receipt::for_account(id));
    assert_eq!(app.viewer_name().await, None, "the session the browser holds is dead");
    assert_eq!(count(&app.pool, "SELECT count(*) FROM sessions WHERE account_id = $1", id).await, 0);
    let sign_in = app.sign_in(&email, PASSWORD).await;
    assert_eq!(sign_in.status(), StatusCode::UNAUTHORIZED);
    assert!(sign_in.text().await.unwrap().contains("SignInFailed"));
    for again in [email.to_uppercase(), email.to_lowercase(), format!("  {email} ")] {
        let sign_up = app.sign_up(&again, PASSWORD).await;
        assert_eq!(sign_up.status(), StatusCode::UNPROCESSABLE_ENTITY, "{again:?}");
        let body: Value = sign_up.json().await.unwrap();
        assert_eq!(body["Invalid"][0]["field"], "email", "{again:?}: {body}");
        assert_eq!(body["Invalid"][0]["problem"], "EmailBlocked", "{again:?}: {body}");
    }
    assert_eq!(count(&app.pool, "SELECT count(*) FROM accounts WHERE deleted_at IS NULL AND id <> $1", id).await, 1);
}

#[tokio::test]
async fn the_account_row_is_scrubbed_at_once_before_any_erasure() {
    // Arrange: no server, so no eraser
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 2, history: 0, store: false }).await;

    // Act
    delete_account(&pool, &person).await.unwrap();

    // Assert
    let row: (String, String, Option<String>, String, bool) =
        sqlx::query_as("SELECT email, name, phone, password_hash, deleted_at IS NOT NULL FROM accounts WHERE id = $1")
            .bind(person.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(row, (format!("deleted-{}@invalid", person.id), String::new(), None, "!deleted".to_owned(), true));
    let (tombstone, queued): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM tombstones WHERE account_id = $1),
                (SELECT count(*) FROM erasure_queue WHERE account_id = $1 AND step = 'messages')",
    )
    .bind(person.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((tombstone, queued), (1, 1));
    assert_eq!(count(&pool, "SELECT count(*) FROM rate_limits WHERE key = $1::text", person.id).await, 0);
}

#[tokio::test]
async fn once_erased_no_table_holds_the_persons_data_but_the_tombstone_and_the_digest() {
    // Arrange: a buyer and seller with data in every table, signed up over HTTP
    let app = TestApp::spawn().await;
    let email = format!("sweep.{}@example.com", Uuid::new_v4().simple());
    assert_eq!(app.sign_up(&email, PASSWORD).await.status(), StatusCode::OK);
    let id: Uuid = sqlx::query_scalar("SELECT id FROM accounts").fetch_one(&app.pool).await.unwrap();
    let (person, _) = seed(&app.pool, Some((id, &email)), Shape { messages: 1200, history: 40, store: true }).await;
    let before = sweep(&app.pool, &person.needles()).await;
    for needle in person.needles() {
        assert!(before.iter().any(|(_, _, n)| *n == needle), "the sweep finds {needle} before: {before:?}");
    }
    for (table, column) in
        [("accounts", "email"), ("addresses", "street"), ("orders", "ship_to_phone"), ("messages", "body")]
    {
        assert!(before.iter().any(|(t, c, _)| t == table && c == column), "{table}.{column} in {before:?}");
    }

    // Act
    delete_account(&app.pool, &person).await.unwrap();
    erase_everything(&app.pool, 500).await;

    // Assert: the goodbye email's address is the only trace, until the email is sent
    let traces = traces_of(&app.pool, &person).await;
    assert!(traces.is_empty(), "the person's data is still in {traces:?}");
    let unsent = sweep(&app.pool, &person.needles()).await;
    assert!(unsent.iter().any(|(t, c, n)| is_unsent_goodbye(t, c, n, &person)), "{unsent:?}");
    let sent = server::mailer::send_next(&app.pool, &crate::outbox::test_mailer()).await.unwrap();
    assert_eq!(sent, server::mailer::Outcome::Sent);
    crate::outbox::wait_for_mail(&email, 1).await;
    let after_sending = sweep(&app.pool, &person.needles()).await;
    assert_eq!(after_sending, [("tombstones".to_owned(), "account_id".to_owned(), id.to_string())]);
    assert_eq!(count(&app.pool, "SELECT count(*) FROM tombstones WHERE account_id = $1", id).await, 1);
    let digests: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT digest FROM blocked_email_digests").fetch_all(&app.pool).await.unwrap();
    assert_eq!(digests, [person.digest().block], "only the keyed digest is kept");
    assert_eq!(digests[0].len(), 32);
    assert_eq!(app.count("SELECT count(*) FROM erasure_queue").await, 0);
    let (reason, other_text): (String, Option<String>) =
        sqlx::query_as("SELECT reason, other_text FROM deletion_feedback_inbox").fetch_one(&app.pool).await.unwrap();
    assert_eq!((reason.as_str(), other_text.as_deref()), ("other", Some("Moving to another planet")));
}

#[tokio::test]
async fn twenty_simultaneous_deletions_give_one_success_and_one_set_of_side_effects() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 20, history: 5, store: true }).await;
    let refunds_before: i64 = sqlx::query_scalar("SELECT count(*) FROM refunds").fetch_one(&pool).await.unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));

    // Act: twenty tasks, each on a connection of its own
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (pool, barrier, id, digest, session) =
                (pool.clone(), barrier.clone(), person.id, person.digest(), person.session.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                deactivate(&pool, id, &session, &digest, &feedback()).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.unwrap());
    }

    // Assert
    let successes = results.iter().filter(|r| r.is_ok()).count();
    let already = results.iter().filter(|r| matches!(r, Err(DeactivateError::AlreadyDeleted))).count();
    assert_eq!((successes, already), (1, 19), "{results:?}");
    for (table, expected) in
        [("tombstones", 1), ("deletion_feedback_inbox", 1), ("erasure_queue", 1), ("blocked_email_digests", 1)]
    {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&pool).await.unwrap();
        assert_eq!(n, expected, "{table}");
    }
    // One refund per paid or shipped order: the person's purchase of each, and its store's sale of each.
    let refunds_after: i64 = sqlx::query_scalar("SELECT count(*) FROM refunds").fetch_one(&pool).await.unwrap();
    assert_eq!(refunds_after - refunds_before, 4);
    let doubled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT order_id FROM refunds GROUP BY order_id HAVING count(*) > 1) d",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(doubled, 0);
}

#[tokio::test]
async fn other_peoples_data_stays_minus_the_persons_personal_data() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, counterparty) = seed(&pool, None, Shape { messages: 40, history: 10, store: true }).await;
    let (bystander, bystander_other) = seed(&pool, None, Shape { messages: 30, history: 5, store: true }).await;
    let holdings = counterparty_holdings(&pool, &counterparty).await;
    let refunds: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM refunds").fetch_all(&pool).await.unwrap();
    let bystander_before = traces_of(&pool, &bystander).await;
    let person_purchases = count(&pool, "SELECT count(*) FROM orders WHERE buyer_id = $1", person.id).await;
    let bystander_holdings = counterparty_holdings(&pool, &bystander_other).await;

    // Act
    delete_account(&pool, &person).await.unwrap();
    erase_everything(&pool, 7).await;

    // Assert: the counterparty keeps everything of its own; the person's purchases stay in its
    // sales, without the buyer; its sales to the counterparty stay in the counterparty's purchases.
    let after = counterparty_holdings(&pool, &counterparty).await;
    assert_eq!(after, holdings);
    let refunds_after: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM refunds").fetch_all(&pool).await.unwrap();
    assert!(refunds.iter().all(|r| refunds_after.contains(r)), "no refund is ever deleted");
    assert_eq!(refunds_after.len(), refunds.len() + 4, "the paid and shipped open orders of both sides got refunds");
    let (sales, anonymous, with_items): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*),
                count(*) FILTER (WHERE buyer_id IS NULL AND ship_to_name IS NULL AND ship_to_address IS NULL
                                   AND ship_to_phone IS NULL),
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = orders.id))
           FROM orders WHERE store_id = $1 AND buyer_id IS NULL",
    )
    .bind(counterparty.store_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((sales, anonymous, with_items), (person_purchases, person_purchases, person_purchases));
    let store: (Option<Uuid>, String, i64) = sqlx::query_as(
        "SELECT owner_id, name, (SELECT count(*) FROM orders WHERE store_id = stores.id) FROM stores WHERE id = $1",
    )
    .bind(person.store_id.unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(store, (None, String::new(), 15), "the person's store stays, ownerless and nameless, with its sales");
    let kept_titles: i64 = count(
        &pool,
        "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id
          WHERE o.store_id = $1 AND i.product_id IS NULL AND i.title <> ''",
        person.store_id.unwrap(),
    )
    .await;
    assert_eq!(kept_titles, 15);
    let store_side_messages = count(
        &pool,
        "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.buyer_id IS NULL AND m.author_id = $1",
        counterparty.id,
    )
    .await;
    assert_eq!(store_side_messages, 20, "the store's replies stay beside the deleted buyer");
    // Somebody else entirely is untouched.
    assert_eq!(traces_of(&pool, &bystander).await, bystander_before);
    assert_eq!(counterparty_holdings(&pool, &bystander_other).await, bystander_holdings);
    assert_eq!(count(&pool, "SELECT count(*) FROM sessions WHERE account_id = $1", bystander.id).await, 1);
}

#[tokio::test]
async fn a_statement_failing_midway_rolls_the_whole_deletion_back() {
    // Arrange: the last insert fails
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 10, history: 3, store: true }).await;
    sqlx::raw_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'no tombstones today'; END $$;
         CREATE TRIGGER refuse_tombstones BEFORE INSERT ON tombstones FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let snapshot = || async {
        let state: Vec<String> = sqlx::query_scalar(
            "SELECT format('%s: %s', t, r) FROM (
                 SELECT 'account' AS t, to_jsonb(a)::text AS r FROM accounts a WHERE id = $1
                 UNION ALL SELECT 'session', to_jsonb(s)::text FROM sessions s WHERE account_id = $1
                 UNION ALL SELECT 'rate limit', to_jsonb(h)::text FROM rate_limits h WHERE key = $1::text
                 UNION ALL SELECT 'order', to_jsonb(o)::text FROM orders o
                 UNION ALL SELECT 'refund', to_jsonb(r)::text FROM refunds r
                 UNION ALL SELECT 'store', to_jsonb(s)::text FROM stores s
                 UNION ALL SELECT 'product', to_jsonb(p)::text FROM products p
                 UNION ALL SELECT 'feedback', to_jsonb(f)::text FROM deletion_feedback_inbox f
                 UNION ALL SELECT 'digest', to_jsonb(d)::text FROM blocked_email_digests d
                 UNION ALL SELECT 'queue', to_jsonb(q)::text FROM erasure_queue q
                 UNION ALL SELECT 'email', to_jsonb(e)::text FROM email_outbox e
             ) x ORDER BY 1",
        )
        .bind(person.id)
        .fetch_all(&pool)
        .await
        .unwrap();
        state
    };
    let before = snapshot().await;

    // Act
    let result = delete_account(&pool, &person).await;

    // Assert
    match result {
        Err(DeactivateError::Database(error)) => assert!(error.to_string().contains("no tombstones today"), "{error}"),
        other => panic!("expected a database error, got {other:?}"),
    }
    assert_eq!(snapshot().await, before);
    assert!(before.iter().any(|r| r.starts_with("session")) && before.iter().any(|r| r.starts_with("rate limit")));
    assert!(!before.iter().any(|r| r.starts_with("email")), "no email queued: the deletion rolled back");
}

#[tokio::test]
async fn a_sellers_deletion_closes_its_store_and_unlists_its_products_at_once() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, counterparty) = seed(&pool, None, Shape { messages: 4, history: 2, store: true }).await;
    let listed_before = app::catalogue::store::catalogue_summary(&pool).await.unwrap().listed_products;
    let store_impact = impact(&pool, person.id).await.unwrap().store.expect("a seller");
    assert_eq!((store_impact.listed_products, store_impact.open_sales), (3, 3));

    // Act
    delete_account(&pool, &person).await.unwrap();

    // Assert: what every other account sees, before any erasure
    let listed_after = app::catalogue::store::catalogue_summary(&pool).await.unwrap().listed_products;
    assert_eq!(listed_before - listed_after, 3);
    let (closed, name, listed): (bool, String, i64) = sqlx::query_as(
        "SELECT closed_at IS NOT NULL, name, (SELECT count(*) FROM products WHERE store_id = s.id AND listed)
           FROM stores s WHERE id = $1",
    )
    .bind(person.store_id.unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((closed, name.as_str(), listed), (true, "", 0));
    // Its open sales to the counterparty are cancelled, the paid and shipped ones refunded to it.
    let sales: Vec<(String, i64)> = sqlx::query_as(
        "SELECT o.status::text, count(r.id) FROM orders o LEFT JOIN refunds r ON r.order_id = o.id
          WHERE o.store_id = $1 AND o.buyer_id = $2 GROUP BY 1 ORDER BY 1",
    )
    .bind(person.store_id.unwrap())
    .bind(counterparty.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(sales, [("cancelled".to_owned(), 2), ("completed".to_owned(), 0)]);
    let sold: i64 = count(&pool, "SELECT count(*) FROM orders WHERE store_id = $1", person.store_id.unwrap()).await;
    let cancelled: i64 = count(
        &pool,
        "SELECT count(*) FROM orders WHERE store_id = $1 AND status = 'cancelled'",
        person.store_id.unwrap(),
    )
    .await;
    assert_eq!((sold, cancelled), (7, 4), "three open sales cancelled, the completed ones kept");
    assert!(impact(&pool, person.id).await.unwrap().store.is_none());
}

#[tokio::test]
async fn open_purchases_are_cancelled_and_the_paid_ones_refunded_history_untouched() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 3, history: 20, store: false }).await;
    let before = impact(&pool, person.id).await.unwrap();

    // Act
    delete_account(&pool, &person).await.unwrap();

    // Assert
    let mut statuses: Vec<String> = before.open_orders.iter().map(|o| o.status.clone()).collect();
    statuses.sort();
    assert_eq!(statuses, ["awaiting_payment", "paid", "shipped"]);
    assert_eq!((before.open_orders_total, before.pending_refunds.len(), before.messages), (3, 1, 2));
    let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT o.number, o.status::text, r.amount_minor FROM orders o
           LEFT JOIN refunds r ON r.order_id = o.id AND r.status = 'pending'
          WHERE o.buyer_id = $1",
    )
    .bind(person.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    for order in &before.open_orders {
        let (_, status, refund) = rows.iter().find(|(n, _, _)| *n == order.number).unwrap();
        assert_eq!(status, "cancelled");
        assert_eq!(*refund, order.will_be_refunded().then_some(order.total_minor), "{order:?}");
    }
    let completed = rows.iter().filter(|(_, s, _)| s == "completed").count();
    assert_eq!(completed, 21, "completed orders are history: not cancelled");
    let after = impact(&pool, person.id).await.unwrap();
    assert_eq!((after.open_orders_total, after.pending_refunds_total), (0, 3));
}

#[tokio::test]
async fn a_second_deletion_or_an_unknown_account_is_already_deleted() {
    // Arrange
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 0, history: 0, store: false }).await;
    delete_account(&pool, &person).await.unwrap();

    // Act
    let again = delete_account(&pool, &person).await;
    let unknown = deactivate(&pool, Uuid::new_v4(), &person.session, &person.digest(), &feedback()).await;

    // Assert
    assert!(matches!(again, Err(DeactivateError::AlreadyDeleted)), "{again:?}");
    assert!(matches!(unknown, Err(DeactivateError::AlreadyDeleted)), "{unknown:?}");
    let feedback_rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM deletion_feedback_inbox").fetch_one(&pool).await.unwrap();
    assert_eq!(feedback_rows, 1);
}

/// The deletion's open-order statements reach the orders through the partial indexes of open
/// orders, so a long history does not make them slower.
#[tokio::test]
async fn the_open_order_statements_use_the_partial_indexes_of_open_orders() {
    // Arrange: a long history, and statistics that know it
    let (pool, _) = fresh_database().await;
    let (person, _) = seed(&pool, None, Shape { messages: 0, history: 3000, store: true }).await;
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();

    // Act
    let mut plans = Vec::new();
    for (statement, key) in
        [(sql::CANCEL_OPEN_PURCHASES, person.id), (sql::CANCEL_OPEN_SALES, person.store_id.unwrap())]
    {
        let plan: Vec<String> =
            sqlx::query_scalar(&format!("EXPLAIN {statement}")).bind(key).fetch_all(&pool).await.unwrap();
        plans.push(plan.join("\n"));
    }

    // Assert
    // Either partial index holds open orders only; with as few open orders in the whole table as
    // here, the planner may well read the person's among all open orders.
    for plan in &plans {
        assert!(plan.contains("using orders_open_"), "{plan}");
        assert!(!plan.contains("Seq Scan on orders"), "{plan}");
        assert!(!plan.contains("orders_buyer_id_idx") && !plan.contains("orders_store_id_idx"), "{plan}");
    }
}
