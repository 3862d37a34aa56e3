//! "Download your data" (`GET /{en,fi}/account/data.zip`) over real HTTP against real PostgreSQL:
//! every file of the ZIP of a small buyer and a small seller against the seeded rows, the
//! password rule, the day's limit, a deletion that commits while an export's transaction is
//! open, and no export after the deletion. The huge account's figures are in `cargo xtask bench`.

use crate::helpers::TestApp;
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::{collections::BTreeMap, io::Read};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

/// A fresh server and one account signed up through the form (its client holds the session):
/// the account's id and the session cookie's value.
async fn signed_up(email: &str) -> (TestApp, Uuid, String) {
    let app = TestApp::spawn().await;
    let response = app.sign_up(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK, "sign-up works");
    let token = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .find_map(|c| {
            c.to_str().unwrap().strip_prefix("session=").map(|rest| rest.split(';').next().unwrap().to_owned())
        })
        .expect("sign-up sets the session cookie");
    let id =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap();
    (app, id, token)
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.expect("the server answers")
}

fn location(response: &reqwest::Response) -> &str {
    response.headers().get(header::LOCATION).map_or("", |v| v.to_str().unwrap())
}

/// Every file of a ZIP by name, read with the `zip` crate (not the writer's own).
fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a whole ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).expect("UTF-8 text");
            (file.name().to_owned(), text)
        })
        .collect()
}

/// The ZIP of the client's account, checked to be one.
async fn export(app: &TestApp, locale: &str) -> BTreeMap<String, String> {
    let response = get(app, &format!("/{locale}/account/data.zip")).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", location(&response));
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/zip");
    let disposition = response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"aliexpress-data-"), "{disposition}");
    unzip(&response.bytes().await.unwrap())
}

/// A CSV file's rows as header → value maps, after its byte order mark and its header row,
/// which must be `columns`.
fn csv_rows(text: &str, columns: &[&str]) -> Vec<BTreeMap<String, String>> {
    let text = text.strip_prefix('\u{feff}').expect("a byte order mark for spreadsheets");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, columns, "the CSV's columns");
    reader
        .records()
        .map(|record| header.iter().cloned().zip(record.unwrap().iter().map(str::to_owned)).collect())
        .collect()
}

/// The JSON objects of `list` flattened the way the CSV writes them (text as it is, null empty).
fn as_cells(list: &[Value], columns: &[&str]) -> Vec<BTreeMap<String, String>> {
    list.iter()
        .map(|object| {
            columns
                .iter()
                .map(|&c| {
                    let cell = match &object[c] {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (c.to_owned(), cell)
                })
                .collect()
        })
        .collect()
}

const COLUMNS: [(&str, &[&str]); 9] = [
    ("profile", &["name", "email", "country", "phone", "preferred_locale", "member_since"]),
    ("addresses", &["address_id", "recipient", "street", "city", "postal_code", "country", "phone"]),
    (
        "orders",
        &[
            "order_number",
            "status",
            "store",
            "total_minor",
            "currency",
            "ship_to_name",
            "ship_to_address",
            "ship_to_phone",
            "placed_at",
        ],
    ),
    ("order_items", &["order_number", "title", "quantity", "unit_price_minor"]),
    ("refunds", &["order_number", "amount_minor", "currency", "status", "requested_at", "completed_at"]),
    ("conversations", &["conversation_id", "role", "store", "subject", "started_at"]),
    ("messages", &["message_id", "conversation_id", "from_me", "body", "sent_at"]),
    ("store", &["store_id", "name", "opened_at", "closed_at"]),
    ("products", &["product_id", "title", "price_minor", "currency", "listed"]),
];

/// Every CSV file holds exactly what `data.json` holds, row for row.
fn assert_csv_matches_json(files: &BTreeMap<String, String>, data: &Value) {
    for (name, columns) in COLUMNS {
        let rows = csv_rows(&files[&format!("csv/{name}.csv")], columns);
        let expected: Vec<Value> = match name {
            "profile" | "store" => data[name].as_object().map(|o| vec![Value::Object(o.clone())]).unwrap_or_default(),
            "order_items" | "refunds" => data["orders"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|o| o[name.trim_start_matches("order_")].as_array().unwrap().clone())
                .collect(),
            _ => data[name].as_array().unwrap().clone(),
        };
        assert_eq!(rows, as_cells(&expected, columns), "csv/{name}.csv against data.json");
    }
}

/// Another account with a store (and one product), which the person buys from or sells to.
async fn other_party(app: &TestApp, name: &str, store: &str) -> (Uuid, Uuid) {
    let account: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country) VALUES ($1 || '@example.test', '!', $1, 'GB') RETURNING id",
    )
    .bind(name)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let store: Uuid = sqlx::query_scalar("INSERT INTO stores (owner_id, name) VALUES ($1, $2) RETURNING id")
        .bind(account)
        .bind(store)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (account, store)
}

async fn run(app: &TestApp, sql: &str) {
    sqlx::raw_sql(sql).execute(&app.pool).await.unwrap();
}

#[tokio::test]
async fn a_buyer_gets_every_file_with_the_seeded_data_in_english() {
    let (app, me, _) = signed_up("buyer@example.test").await;
    let (_, shop) = other_party(&app, "seller", "Gadget Shop").await;
    run(
        &app,
        &format!(
            "UPDATE accounts SET phone = '+358 40 123 4567' WHERE id = '{me}';
             INSERT INTO addresses (account_id, recipient, street, city, postal_code, country, phone)
             VALUES ('{me}', 'Test Person', 'Mannerheimintie 1', 'Helsinki', '00100', 'FI', NULL);
             WITH o AS (
                 INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, ship_to_name, ship_to_address, placed_at)
                 VALUES ('{me}', '{shop}', 'completed', 2500, 'EUR', 'Test Person', 'Mannerheimintie 1, Helsinki', '2026-01-02T10:00:00Z')
                 RETURNING id)
             INSERT INTO order_items (order_id, title, quantity, unit_price_minor)
             SELECT id, t, q, p FROM o, (VALUES ('Cable, \"USB-C\"', 2, 500), ('Charger', 1, 1500)) v(t, q, p);
             WITH o AS (
                 INSERT INTO orders (buyer_id, store_id, status, total_minor, currency, placed_at)
                 VALUES ('{me}', '{shop}', 'paid', 990, 'EUR', '2026-02-03T11:00:00Z') RETURNING id),
             i AS (INSERT INTO order_items (order_id, title, quantity, unit_price_minor) SELECT id, 'Lamp', 1, 990 FROM o)
             INSERT INTO refunds (order_id, amount_minor, currency, requested_at) SELECT id, 990, 'EUR', '2026-02-04T12:00:00Z' FROM o;
             INSERT INTO conversations (id, buyer_id, store_id, subject, started_at)
             VALUES ('00000000-0000-4000-8000-000000000001', '{me}', '{shop}', 'Where is my parcel?', '2026-01-03T09:00:00Z');
             INSERT INTO messages (conversation_id, author_id, body, sent_at)
             SELECT '00000000-0000-4000-8000-000000000001', a, b, t::timestamptz FROM (VALUES
                 ('{me}'::uuid, E'Hello,\\nit has not come yet.', '2026-01-03T09:00:00Z'),
                 ((SELECT owner_id FROM stores WHERE id = '{shop}'), 'It ships today. Kiitos!', '2026-01-03T09:30:00Z')) v(a, b, t);"
        ),
    )
    .await;

    let files = export(&app, "en").await;
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    let mut expected_names = vec!["README.txt", "data.json"];
    let csv_names: Vec<String> = COLUMNS.iter().map(|(name, _)| format!("csv/{name}.csv")).collect();
    expected_names.extend(csv_names.iter().map(String::as_str));
    expected_names.sort();
    assert_eq!(names, expected_names);

    let readme = &files["README.txt"];
    assert!(readme.starts_with("Your AliExpress data\n"), "{readme}");
    assert!(readme.contains("buyer@example.test") && readme.contains("schema_version (1)"), "{readme}");

    let data: Value = serde_json::from_str(&files["data.json"]).expect("data.json parses");
    assert_eq!((&data["schema"], &data["schema_version"]), (&Value::from("deactivate-export"), &Value::from(1)));
    let profile = &data["profile"];
    assert_eq!(
        (&profile["name"], &profile["email"], &profile["country"], &profile["phone"], &profile["preferred_locale"]),
        (&"Test Person".into(), &"buyer@example.test".into(), &"FI".into(), &"+358 40 123 4567".into(), &"en".into())
    );
    let addresses = data["addresses"].as_array().unwrap();
    assert_eq!(addresses.len(), 1);
    assert_eq!((&addresses[0]["street"], &addresses[0]["phone"]), (&"Mannerheimintie 1".into(), &Value::Null));
    let orders = data["orders"].as_array().unwrap();
    let numbers: Vec<i64> = sqlx::query_scalar("SELECT number FROM orders WHERE buyer_id = $1 ORDER BY placed_at")
        .bind(me)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(orders.iter().map(|o| o["order_number"].as_i64().unwrap()).collect::<Vec<_>>(), numbers, "oldest first");
    assert_eq!(
        (&orders[0]["status"], &orders[0]["total_minor"], &orders[0]["store"]),
        (&"completed".into(), &2500.into(), &"Gadget Shop".into())
    );
    assert_eq!(orders[0]["placed_at"], "2026-01-02T10:00:00+00:00");
    let mut items: Vec<(&str, i64)> = orders[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["title"].as_str().unwrap(), i["quantity"].as_i64().unwrap()))
        .collect();
    items.sort();
    assert_eq!(items, [("Cable, \"USB-C\"", 2), ("Charger", 1)]);
    assert_eq!(orders[0]["refunds"], serde_json::json!([]));
    assert_eq!((&orders[1]["status"], &orders[1]["refunds"][0]["amount_minor"]), (&"paid".into(), &990.into()));
    assert_eq!(orders[1]["refunds"][0]["status"], "pending");
    let conversations = data["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1);
    assert_eq!(
        (&conversations[0]["role"], &conversations[0]["subject"]),
        (&"buyer".into(), &"Where is my parcel?".into())
    );
    let messages = data["messages"].as_array().unwrap();
    let seen: Vec<(bool, &str)> =
        messages.iter().map(|m| (m["from_me"].as_bool().unwrap(), m["body"].as_str().unwrap())).collect();
    assert_eq!(seen, [(true, "Hello,\nit has not come yet."), (false, "It ships today. Kiitos!")]);
    assert!(messages.iter().all(|m| m["conversation_id"] == conversations[0]["conversation_id"]));
    assert_eq!((&data["store"], &data["products"]), (&Value::Null, &serde_json::json!([])));

    assert_csv_matches_json(&files, &data);
    // And the CSV on its own, as a spreadsheet reads it.
    let items_csv = csv_rows(&files["csv/order_items.csv"], COLUMNS[3].1);
    assert_eq!(items_csv.len(), 3);
    assert!(items_csv.iter().any(|row| row["title"] == "Cable, \"USB-C\"" && row["quantity"] == "2"));
    let messages_csv = csv_rows(&files["csv/messages.csv"], COLUMNS[6].1);
    assert_eq!(
        (messages_csv[0]["body"].as_str(), messages_csv[0]["from_me"].as_str()),
        ("Hello,\nit has not come yet.", "true")
    );
    assert_eq!(csv_rows(&files["csv/store.csv"], COLUMNS[7].1).len(), 0);
}

#[tokio::test]
async fn a_seller_gets_the_store_products_and_both_sides_of_conversations_in_finnish() {
    let (app, me, _) = signed_up("myyja@example.test").await;
    let (buyer, _) = other_party(&app, "ostaja", "Ostajan kauppa").await;
    run(
        &app,
        &format!(
            "UPDATE accounts SET preferred_locale = 'fi', name = 'Myyjä Mäkinen' WHERE id = '{me}';
             INSERT INTO stores (id, owner_id, name, opened_at)
             VALUES ('00000000-0000-4000-8000-00000000000a', '{me}', 'Mäkisen Myymälä', '2025-05-06T07:08:09Z');
             INSERT INTO products (id, store_id, title, price_minor, currency, listed) VALUES
                 ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-00000000000a', 'Käsinneulottu pipo', 2990, 'EUR', true),
                 ('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-00000000000a', 'Villasukat', 1990, 'EUR', false);
             INSERT INTO conversations (id, buyer_id, store_id, subject, started_at)
             VALUES ('00000000-0000-4000-8000-0000000000c1', '{buyer}', '00000000-0000-4000-8000-00000000000a', 'Koko?', '2026-03-01T08:00:00Z');
             INSERT INTO messages (conversation_id, author_id, body, sent_at) VALUES
                 ('00000000-0000-4000-8000-0000000000c1', '{buyer}', 'Onko pipoa isompana?', '2026-03-01T08:00:00Z'),
                 ('00000000-0000-4000-8000-0000000000c1', '{me}', 'On, koko L.', '2026-03-01T08:05:00Z');"
        ),
    )
    .await;

    let files = export(&app, "en").await;
    let readme = &files["README.txt"];
    assert!(readme.starts_with("AliExpress-tietosi\n"), "the account's language, not the page's: {readme}");
    assert!(readme.contains("myyja@example.test") && readme.contains("products.csv"), "{readme}");
    let data: Value = serde_json::from_str(&files["data.json"]).unwrap();
    assert_eq!(data["schema_version"], 1);
    assert_eq!(
        (&data["profile"]["name"], &data["profile"]["preferred_locale"]),
        (&"Myyjä Mäkinen".into(), &"fi".into())
    );
    assert_eq!(
        (&data["store"]["name"], &data["store"]["opened_at"], &data["store"]["closed_at"]),
        (&"Mäkisen Myymälä".into(), &"2025-05-06T07:08:09+00:00".into(), &Value::Null)
    );
    let products: Vec<(&str, i64, bool)> = data["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["title"].as_str().unwrap(), p["price_minor"].as_i64().unwrap(), p["listed"].as_bool().unwrap()))
        .collect();
    assert_eq!(products, [("Käsinneulottu pipo", 2990, true), ("Villasukat", 1990, false)]);
    let conversations = data["conversations"].as_array().unwrap();
    assert_eq!(
        (conversations.len(), &conversations[0]["role"], &conversations[0]["store"]),
        (1, &"seller".into(), &"Mäkisen Myymälä".into())
    );
    let messages: Vec<(bool, &str)> = data["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["from_me"].as_bool().unwrap(), m["body"].as_str().unwrap()))
        .collect();
    assert_eq!(messages, [(false, "Onko pipoa isompana?"), (true, "On, koko L.")]);
    assert_eq!((&data["orders"], &data["addresses"]), (&serde_json::json!([]), &serde_json::json!([])));
    assert_csv_matches_json(&files, &data);
    let products_csv = csv_rows(&files["csv/products.csv"], COLUMNS[8].1);
    assert_eq!((products_csv[1]["title"].as_str(), products_csv[1]["listed"].as_str()), ("Villasukat", "false"));
}

async fn export_attempts(app: &TestApp, id: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT coalesce(sum(attempts), 0)::bigint FROM rate_limits WHERE bucket = 'export' AND key = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn without_a_session_or_a_recent_password_the_download_sends_to_sign_in_or_the_password_prompt() {
    let (app, id, _) = signed_up("stale@example.test").await;
    let stranger = app.another_browser();
    let response = get(&stranger, "/fi/account/data.zip").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/fi/login?next=/fi/account/settings/data");

    // Another site's link costs nothing and downloads nothing: it lands on the page.
    let response =
        app.client.get(app.url("/en/account/data.zip")).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!((response.status(), location(&response)), (StatusCode::SEE_OTHER, "/en/account/settings/data"));

    sqlx::query("UPDATE sessions SET password_entered_at = now() - interval '11 minutes' WHERE account_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let response = get(&app, "/en/account/data.zip").await;
    assert_eq!((response.status(), location(&response)), (StatusCode::SEE_OTHER, "/en/account/settings/data"));
    assert_eq!(export_attempts(&app, id).await, 0, "no download was counted");
    let state = app.post_form("export_state", &[]).await;
    assert_eq!(state.json::<Value>().await.unwrap(), "NeedsPassword");
    let page = get(&app, "/en/account/settings/data").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text().await.unwrap().contains("For your security, enter your password again"),
        "the page asks for it"
    );

    assert_eq!(app.post_form("confirm_password", &[("password", PASSWORD)]).await.status(), StatusCode::OK);
    assert_eq!(app.post_form("export_state", &[]).await.json::<Value>().await.unwrap(), "Ready");
    assert!(export(&app, "en").await.contains_key("data.json"));
    assert_eq!(export_attempts(&app, id).await, 1);
}

#[tokio::test]
async fn three_downloads_a_day_then_a_localized_429_before_any_work() {
    let (app, id, _) = signed_up("often@example.test").await;
    for _ in 0..app::export::DOWNLOADS_PER_DAY {
        export(&app, "en").await;
    }
    let refused = get(&app, "/fi/account/data.zip").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((86_000..=86_400).contains(&retry_after), "{retry_after}");
    assert_eq!(
        refused.text().await.unwrap(),
        "Olet ladannut tietosi niin monta kertaa kuin päivässä voi. Yritä uudelleen 24 tunnin kuluttua."
    );
    assert_eq!(export_attempts(&app, id).await, 4);
}

/// The export's session while its transaction is open: its backend and when the transaction began.
async fn open_export(app: &TestApp) -> Option<(i32, String)> {
    sqlx::query_as(
        "SELECT pid, xact_start::text FROM pg_stat_activity
          WHERE application_name = $1 AND xact_start IS NOT NULL AND datname = current_database()",
    )
    .bind(server::export::APPLICATION_NAME)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_deletion_commits_while_an_export_is_open_and_no_export_follows_it() {
    let email = "leaving@example.test";
    let (app, id, token) = signed_up(email).await;
    // More than the socket buffers hold: the export stays in its transaction until read.
    let messages = 20_000;
    let (_, shop) = other_party(&app, "shop", "Shop").await;
    run(
        &app,
        &format!(
            "INSERT INTO conversations (id, buyer_id, store_id, subject)
             VALUES ('00000000-0000-4000-8000-0000000000d1', '{id}', '{shop}', 'Many');
             INSERT INTO messages (conversation_id, author_id, body, sent_at)
             SELECT '00000000-0000-4000-8000-0000000000d1', '{id}',
                    (SELECT string_agg(md5(random()::text || g || k), '') FROM generate_series(1, 12) k),
                    '2026-01-01'::timestamptz + g * interval '1 second'
               FROM generate_series(1, {messages}) g;"
        ),
    )
    .await;

    let mut download = get(&app, "/en/account/data.zip").await;
    assert_eq!(download.status(), StatusCode::OK);
    let mut received = download.chunk().await.unwrap().expect("the first bytes").to_vec();
    let mut export = None;
    for _ in 0..100 {
        export = open_export(&app).await;
        if export.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (pid, began) = export.expect("the export's transaction is open");
    // The export waits for its reader now; if its snapshot held a lock the deletion needs, the
    // deletion would wait for ever: it must commit within seconds.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let deletion = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        app.post_form(
            "deactivate_account",
            &[
                ("locale", "en"),
                ("email", email),
                ("phrase", "deactivate my account"),
                ("reason", "cheated"),
                ("other_text", ""),
            ],
        ),
    )
    .await
    .expect("the deletion does not wait for the export");
    assert_eq!(deletion.status(), StatusCode::OK, "{}", deletion.text().await.unwrap());
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM accounts WHERE id = '{id}' AND deleted_at IS NOT NULL")).await,
        1
    );
    assert_eq!(
        open_export(&app).await,
        Some((pid, began)),
        "the export's transaction, begun before the deletion's, is still open after the deletion committed"
    );

    // The download ends whole, with the account as it was when it began.
    while let Some(chunk) = download.chunk().await.unwrap() {
        received.extend_from_slice(&chunk);
    }
    let files = unzip(&received);
    let data: Value = serde_json::from_str(&files["data.json"]).unwrap();
    assert_eq!(data["profile"]["name"], "Test Person", "the snapshot's, not the scrubbed row's");
    let bodies = data["messages"].as_array().unwrap();
    assert_eq!(bodies.len(), messages);
    assert!(
        bodies.iter().all(|m| m["body"].as_str().is_some_and(|b| b.len() == 384)),
        "every body, as before the deletion"
    );

    // After the deletion: the browser's cookie is cleared, and the old cookie itself is no session.
    let after = get(&app, "/en/account/data.zip").await;
    assert_eq!((after.status(), location(&after)), (StatusCode::SEE_OTHER, "/en/login?next=/en/account/settings/data"));
    let with_old_cookie = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/en/account/data.zip"))
        .header(header::COOKIE, format!("session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (with_old_cookie.status(), location(&with_old_cookie)),
        (StatusCode::SEE_OTHER, "/en/login?next=/en/account/settings/data")
    );
}
