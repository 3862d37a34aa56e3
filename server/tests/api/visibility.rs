//! Nothing of a deleted person is shown to anyone from the moment the deletion commits, while
//! the eraser has not reached their rows yet (no eraser runs on these databases).

use crate::deletion::{delete_account, seed, Shape};
use crate::helpers::fresh_database;
use crate::pages::every_page;
use app::account::store::{messages, orders};
use sqlx::PgPool;
use uuid::Uuid;

/// Everything the counterparty's own pages show: every page of messages and of orders, as JSON.
async fn what_they_see(pool: &PgPool, viewer: Uuid) -> String {
    let messages = every_page(|at| messages(pool, viewer, at)).await;
    let orders = every_page(|at| orders(pool, viewer, at)).await;
    serde_json::to_string(&(messages, orders)).unwrap()
}

#[tokio::test]
async fn the_counterparty_sees_no_name_subject_or_message_of_a_deleted_person() {
    // Arrange: a buyer and seller who talk both ways (the person buys from the counterparty's
    // store and sells to the counterparty)
    let (pool, _) = fresh_database().await;
    let (person, counterparty) = seed(&pool, None, Shape { messages: 12, history: 2, store: true }).await;
    let before = what_they_see(&pool, counterparty.id).await;
    assert!(before.contains(&person.name), "the counterparty sees the person while they are here: {before}");
    let bodies_before: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE author_id = $1")
        .bind(person.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(bodies_before > 0);

    // Act
    delete_account(&pool, &person).await.unwrap();

    // Assert: the rows are all still there (nothing erased yet) ...
    let bodies_after: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE author_id = $1")
        .bind(person.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(bodies_after, bodies_before);
    // ... and none of it is shown: no name, subject or body of theirs
    let after = what_they_see(&pool, counterparty.id).await;
    for needle in person.needles() {
        assert!(!after.contains(&needle), "{needle:?} is still shown: {after}");
    }
    let mut hidden_bodies = 0;
    let mut hidden_subjects = 0;
    for page in every_page(|at| messages(&pool, counterparty.id, at)).await {
        for row in &page.rows {
            if row.from_me {
                assert!(row.body.is_some(), "the counterparty's own messages stay: {row:?}");
            } else {
                assert_eq!(row.body, None, "{row:?}");
                assert_eq!(row.with, "", "shown as a deleted account: {row:?}");
                hidden_bodies += 1;
            }
            hidden_subjects += usize::from(row.subject.is_none());
        }
    }
    assert!(hidden_bodies > 0 && hidden_subjects > 0, "bodies {hidden_bodies}, subjects {hidden_subjects}");
}
