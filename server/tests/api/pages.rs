//! My orders and Messages page by key: walking the pages either way shows every row in order,
//! and each page's statement reads one page through an index, whatever the history's length.

use crate::helpers::fresh_database;
use app::account::store::{messages, messages_sql, orders, orders_sql, Towards};
use app::account::{Page, PageAt, PAGE_SIZE};
use serde_json::Value;
use sqlx::{Connection, PgConnection, PgPool};
use std::future::Future;
use uuid::Uuid;

/// Every page of a list, from the first, following `older` to the end.
pub async fn every_page<T, F, Fut>(mut fetch: F) -> Vec<Page<T>>
where
    F: FnMut(PageAt) -> Fut,
    Fut: Future<Output = sqlx::Result<Page<T>>>,
{
    let mut pages = Vec::new();
    let mut at = PageAt::First;
    loop {
        let page = fetch(at).await.unwrap();
        let older = page.older.clone();
        pages.push(page);
        match older {
            Some(older) => at = PageAt::parse(&older).expect("a page links to a page value it can read"),
            None => return pages,
        }
        assert!(pages.len() < 10_000, "the pages never end");
    }
}

/// The pages from the last, following `newer` until the first page.
async fn every_page_backwards<T, F, Fut>(mut fetch: F) -> Vec<Page<T>>
where
    F: FnMut(PageAt) -> Fut,
    Fut: Future<Output = sqlx::Result<Page<T>>>,
{
    let mut pages = Vec::new();
    let mut at = PageAt::Last;
    loop {
        let page = fetch(at).await.unwrap();
        let newer = page.newer.clone();
        pages.push(page);
        match newer {
            Some(newer) => at = PageAt::parse(&newer).expect("a page links to a page value it can read"),
            None => return pages,
        }
        assert!(pages.len() < 10_000, "the pages never end");
    }
}

/// Accounts: the viewer (with a store), another seller, another buyer; the viewer's store.
struct People {
    viewer: Uuid,
    viewer_store: Uuid,
    seller_store: Uuid,
    buyer: Uuid,
}

async fn people(pool: &PgPool) -> People {
    let account = |name: &'static str| async move {
        sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO accounts (email, password_hash, name, country) VALUES ($1 || '@example.test', '!', $1, 'FI') RETURNING id",
        )
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
    };
    let store = |owner: Uuid, name: &'static str| async move {
        sqlx::query_scalar::<_, Uuid>("INSERT INTO stores (owner_id, name) VALUES ($1, $2) RETURNING id")
            .bind(owner)
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let viewer = account("viewer").await;
    let seller = account("seller").await;
    let buyer = account("buyer").await;
    People {
        viewer,
        viewer_store: store(viewer, "Viewer's").await,
        seller_store: store(seller, "Seller's").await,
        buyer,
    }
}

/// A conversation of `buyer` with `store` and `count` messages by `author`, the n-th sent `n
/// % ties` seconds before `at` (so that many share a time).
async fn conversation(pool: &PgPool, buyer: Uuid, store: Uuid, author: Uuid, count: i64, ties: i64, tag: &str) {
    sqlx::query(
        "WITH c AS (INSERT INTO conversations (buyer_id, store_id, subject) VALUES ($1, $2, $5) RETURNING id)
         INSERT INTO messages (conversation_id, author_id, body, sent_at)
         SELECT c.id, $3, $5 || ' ' || g, '2026-03-05T10:00:00Z'::timestamptz - (g % $6) * interval '1 second'
           FROM c, generate_series(1, $4) g",
    )
    .bind(buyer)
    .bind(store)
    .bind(author)
    .bind(count)
    .bind(tag)
    .bind(ties)
    .execute(pool)
    .await
    .unwrap();
}

/// `pages` are runs of `expected`, in order, without a gap, from `expected[0]`.
fn assert_runs_in_order<T: PartialEq + std::fmt::Debug>(pages: &[Vec<T>], expected: &[T], what: &str) {
    let mut next = 0;
    for (i, page) in pages.iter().enumerate() {
        assert!(!page.is_empty() && page.len() <= PAGE_SIZE as usize, "{what}: page {i} has {} rows", page.len());
        let start = expected.iter().position(|row| *row == page[0]).unwrap_or_else(|| panic!("{what}: {page:?}"));
        assert!(start <= next, "{what}: a gap before page {i}: rows {next}..{start} are on no page");
        assert_eq!(page[..], expected[start..start + page.len()], "{what}: page {i} is not a run of the list");
        next = start + page.len();
    }
    assert_eq!(next, expected.len(), "{what}: the pages end before the list does");
}

#[tokio::test]
async fn walking_the_pages_either_way_shows_every_row_in_order() {
    // Arrange: 23 purchases, ten of them at one time; 26 messages, many at the same time, as the
    // buyer, as the store, and in a conversation with the viewer's own store (on both sides)
    let (pool, _) = fresh_database().await;
    let p = people(&pool).await;
    sqlx::query(
        "INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, placed_at)
         SELECT $1, $2, 'completed', 100 * g, 'EUR', '2026-03-05T10:00:00Z'::timestamptz - greatest(g - 10, 0) * interval '1 hour'
           FROM generate_series(1, 23) g",
    )
    .bind(p.viewer)
    .bind(p.seller_store)
    .execute(&pool)
    .await
    .unwrap();
    conversation(&pool, p.viewer, p.seller_store, p.viewer, 12, 4, "as buyer").await;
    conversation(&pool, p.buyer, p.viewer_store, p.buyer, 11, 3, "to my store").await;
    conversation(&pool, p.viewer, p.viewer_store, p.viewer, 3, 2, "to myself").await;
    let expected_orders: Vec<i64> =
        sqlx::query_scalar("SELECT number FROM orders WHERE buyer_id = $1 ORDER BY placed_at DESC, number DESC")
            .bind(p.viewer)
            .fetch_all(&pool)
            .await
            .unwrap();
    let expected_messages: Vec<Option<String>> =
        sqlx::query_scalar("SELECT body FROM messages ORDER BY sent_at DESC, id DESC").fetch_all(&pool).await.unwrap();
    assert_eq!((expected_orders.len(), expected_messages.len()), (23, 26));

    // Act
    let orders_forward = every_page(|at| orders(&pool, p.viewer, at)).await;
    let orders_backward = every_page_backwards(|at| orders(&pool, p.viewer, at)).await;
    let messages_forward = every_page(|at| messages(&pool, p.viewer, at)).await;
    let messages_backward = every_page_backwards(|at| messages(&pool, p.viewer, at)).await;

    // Assert: forward, every row once, in order, in full pages but the last
    let numbers = |pages: &[Page<app::account::OrderRow>]| -> Vec<Vec<i64>> {
        pages.iter().map(|p| p.rows.iter().map(|r| r.number).collect()).collect()
    };
    let bodies = |pages: &[Page<app::account::MessageRow>]| -> Vec<Vec<Option<String>>> {
        pages.iter().map(|p| p.rows.iter().map(|r| r.body.clone()).collect()).collect()
    };
    assert_eq!(numbers(&orders_forward).concat(), expected_orders);
    assert_eq!(messages_forward.iter().map(|p| p.rows.len()).collect::<Vec<_>>(), [10, 10, 6]);
    assert_eq!(bodies(&messages_forward).concat(), expected_messages);
    assert_eq!(orders_forward[0].newer, None, "the first page has nothing newer");
    // Backward from the last page: the oldest rows first, then runs without a gap up to the
    // first page, which is full
    let (mut orders_back, mut messages_back) = (numbers(&orders_backward), bodies(&messages_backward));
    assert_eq!(orders_back[0], expected_orders[13..], "the last page holds the oldest rows");
    assert_eq!(messages_back.last().unwrap()[..], expected_messages[..10], "the walk ends on the full first page");
    assert_eq!(orders_backward.last().unwrap(), &orders_forward[0]);
    assert_eq!(messages_backward[0].older, None, "the last page has nothing older");
    orders_back.reverse();
    messages_back.reverse();
    assert_runs_in_order(&orders_back, &expected_orders, "orders backward");
    assert_runs_in_order(&messages_back, &expected_messages, "messages backward");
    // A page's link to newer rows leads to the page before it
    let back = messages(&pool, p.viewer, PageAt::parse(messages_forward[2].newer.as_deref().unwrap()).unwrap()).await;
    assert_eq!(bodies(&[back.unwrap()]).concat(), expected_messages[10..20]);
}

/// The nodes of an `EXPLAIN (FORMAT JSON)` plan, depth first.
fn nodes(plan: &Value) -> Vec<&Value> {
    let mut all = vec![plan];
    for child in plan.get("Plans").and_then(Value::as_array).into_iter().flatten() {
        all.extend(nodes(child));
    }
    all
}

fn rows_out(node: &Value) -> f64 {
    node["Actual Rows"].as_f64().unwrap() * node["Actual Loops"].as_f64().unwrap()
}

/// Each statement of the two lists, on a history of 60,000 messages and 20,000 purchases (the
/// huge account's shape: one buyer in a hundred conversations, a store with a busy
/// conversation), analyzed: for the first, a middle and the last page, in both the plan made
/// for the values and the generic plan a prepared statement may switch to, the statement reads
/// the person's rows through its index and never more than a page of them from either side, and
/// sorts no more than two pages' rows.
#[tokio::test]
async fn each_page_statement_reads_one_page_through_an_index_however_long_the_history() {
    // Arrange
    let (pool, url) = fresh_database().await;
    let p = people(&pool).await;
    sqlx::query(
        "INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, placed_at)
         SELECT $1, $2, 'completed', g, 'EUR', now() - g * interval '1 minute' FROM generate_series(1, 20000) g",
    )
    .bind(p.viewer)
    .bind(p.seller_store)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "WITH c AS (INSERT INTO conversations (buyer_id, store_id, subject)
                    SELECT $1, $2, 'About ' || g FROM generate_series(1, 100) g RETURNING id),
              ids AS (SELECT array_agg(id) AS ids FROM c)
         INSERT INTO messages (conversation_id, author_id, body, sent_at)
         SELECT ids[1 + g % 100], $1, 'Message ' || g, now() - g * interval '1 second'
           FROM ids, generate_series(1, 60000) g",
    )
    .bind(p.viewer)
    .bind(p.seller_store)
    .execute(&pool)
    .await
    .unwrap();
    conversation(&pool, p.buyer, p.viewer_store, p.buyer, 20000, 20000, "to my store").await;
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    // Keys two thirds down each list, written as PostgreSQL reads them back
    let order_key: (String, i64) = sqlx::query_as(
        "SELECT placed_at::text, number FROM orders WHERE buyer_id = $1 ORDER BY placed_at, number OFFSET 10000 LIMIT 1",
    )
    .bind(p.viewer)
    .fetch_one(&pool)
    .await
    .unwrap();
    let message_key: (String, i64) = sqlx::query_as(
        "SELECT sent_at::text, id FROM messages WHERE buyer_id = $1 OR store_id = $2 ORDER BY sent_at, id OFFSET 40000 LIMIT 1",
    )
    .bind(p.viewer)
    .bind(p.viewer_store)
    .fetch_one(&pool)
    .await
    .unwrap();
    let cases = [
        ("orders", orders_sql as fn(Towards) -> String, order_key, &["orders_buyer_id_idx"][..]),
        ("messages", messages_sql, message_key, &["messages_buyer_id_idx", "messages_store_id_idx"][..]),
    ];
    let mut conn = PgConnection::connect(&url).await.unwrap();

    for (list, sql, (middle_time, middle_number), indexes) in cases {
        for towards in [Towards::Older, Towards::Newer] {
            let end = if towards == Towards::Older { i64::MAX } else { i64::MIN };
            let name = format!("{list}_{towards:?}");
            sqlx::raw_sql(&format!("PREPARE {name} (uuid, timestamptz, bigint, bigint) AS {}", sql(towards)))
                .execute(&mut conn)
                .await
                .unwrap();
            for (key, (time, number)) in
                [("none", ("NULL".to_owned(), end)), ("middle", (format!("'{middle_time}'"), middle_number))]
            {
                for mode in ["force_custom_plan", "force_generic_plan"] {
                    // Act
                    let what = format!("{list} {towards:?} from key {key}, {mode}");
                    sqlx::raw_sql(&format!("SET plan_cache_mode = {mode}")).execute(&mut conn).await.unwrap();
                    let explained: (Value,) = sqlx::query_as(&format!(
                        "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {name} ('{}', {time}, {number}, {})",
                        p.viewer,
                        PAGE_SIZE + 1
                    ))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                    let plan = &explained.0[0]["Plan"];

                    // Assert
                    let all = nodes(plan);
                    let shown = || serde_json::to_string_pretty(plan).unwrap();
                    assert_eq!(rows_out(plan), (PAGE_SIZE + 1) as f64, "{what}: a full page and one more\n{}", shown());
                    for index in indexes {
                        assert!(
                            all.iter().any(|n| n["Index Name"] == *index),
                            "{what}: {index} is not used\n{}",
                            shown()
                        );
                    }
                    for node in &all {
                        let relation = node["Relation Name"].as_str().unwrap_or_default();
                        if relation == "orders" || relation == "messages" {
                            assert_ne!(node["Node Type"], "Seq Scan", "{what}\n{}", shown());
                            assert!(
                                rows_out(node) <= (PAGE_SIZE + 1) as f64,
                                "{what}: {} rows read from {relation}\n{}",
                                rows_out(node),
                                shown()
                            );
                        }
                        if node["Node Type"] == "Sort" || node["Node Type"] == "Incremental Sort" {
                            let sorted: f64 = nodes(node).iter().skip(1).take(1).map(|n| rows_out(n)).sum();
                            assert!(
                                sorted <= (2 * (PAGE_SIZE + 1)) as f64,
                                "{what}: a sort of {sorted} rows\n{}",
                                shown()
                            );
                        }
                    }
                }
            }
        }
    }
}
