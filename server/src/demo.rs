//! Demo data for `cargo xtask run` (`APP_DEMO_DATA=1`): a seller with a store and two buyers,
//! one English and one Finnish, each with orders in every state, refunds and a conversation; a
//! staff member, and 60 weeks of deletion reasons for the staff's statistics page.
//!
//! Seeding is idempotent: when any demo account's email is already in the database, nothing is
//! inserted (so a restart neither duplicates the data nor fails on a half-deleted demo set).
//! Everything is inserted in one transaction, under an advisory lock so that two servers
//! starting at once cannot both seed.

use app::{auth::digest::EmailDigester, domain::account::EmailAddress};
use chrono::{DateTime, Duration, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The sign-in details of one demo account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    pub role: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub locale: &'static str,
}

/// Serializes concurrent seeding (`pg_advisory_xact_lock` key; any constant unique to this use).
const SEED_LOCK: i64 = 0x0dea_c71a_7e00_0001;

const CURRENCY: &str = "EUR";

struct Person {
    account: DemoAccount,
    country: &'static str,
    phone: &'static str,
    address: Address,
    member_for_days: i64,
}

struct Address {
    street: &'static str,
    postal_code: &'static str,
    city: &'static str,
    country: &'static str,
}

impl Address {
    /// One line, the way the order snapshot (`orders.ship_to_address`) keeps it.
    fn one_line(&self) -> String {
        match self.country {
            "GB" => format!("{}, {} {}, {}", self.street, self.city, self.postal_code, self.country),
            _ => format!("{}, {} {}, {}", self.street, self.postal_code, self.city, self.country),
        }
    }
}

const SELLER: Person = Person {
    account: DemoAccount {
        role: "seller",
        name: "Lin Wei",
        email: "lin.wei@demo.deactivate.test",
        password: "lin-demo-2026",
        locale: "en",
    },
    country: "GB",
    phone: "+44 20 7946 0321",
    address: Address { street: "Unit 5, 18 Market Street", postal_code: "EC2A 4NE", city: "London", country: "GB" },
    member_for_days: 730,
};

const FINNISH_BUYER: Person = Person {
    account: DemoAccount {
        role: "buyer",
        name: "Aino Virtanen",
        email: "aino.virtanen@demo.deactivate.test",
        password: "aino-demo-2026",
        locale: "fi",
    },
    country: "FI",
    phone: "+358 50 555 0142",
    address: Address { street: "Mannerheimintie 12 B 7", postal_code: "00100", city: "Helsinki", country: "FI" },
    member_for_days: 400,
};

const ENGLISH_BUYER: Person = Person {
    account: DemoAccount {
        role: "buyer",
        name: "Emily Carter",
        email: "emily.carter@demo.deactivate.test",
        password: "emily-demo-2026",
        locale: "en",
    },
    country: "GB",
    phone: "+44 7700 900458",
    address: Address { street: "42 Baker Lane, Flat 3", postal_code: "M1 4BT", city: "Manchester", country: "GB" },
    member_for_days: 365,
};

const STAFF: Person = Person {
    account: DemoAccount {
        role: "staff",
        name: "Noora Laine",
        email: "noora.laine@demo.deactivate.test",
        password: "noora-demo-2026",
        locale: "en",
    },
    country: "FI",
    phone: "+358 9 555 0199",
    address: Address { street: "Aleksanterinkatu 5", postal_code: "00170", city: "Helsinki", country: "FI" },
    member_for_days: 900,
};

const STORE_NAME: &str = "Lin's Gadget Corner";

/// Lin's products: title and price in euro cents.
const PRODUCTS: [(&str, i64); 8] = [
    ("USB-C fast charger, 65 W", 2490),
    ("Braided USB-C cable, 2 m", 899),
    ("Wireless earbuds with charging case", 3999),
    ("Magnetic phone stand", 1299),
    ("Mechanical keyboard, 68 keys", 5490),
    ("Bluetooth tracker tags, 4-pack", 2999),
    ("LED desk lamp with wireless charger", 3450),
    ("Portable SSD, 1 TB", 7990),
];

#[derive(Clone, Copy)]
enum Refund {
    /// Paid, then cancelled: the money is on its way back.
    Pending { requested_days_ago: i64 },
    /// Paid, then cancelled, and the money is back.
    Completed { requested_days_ago: i64, completed_days_ago: i64 },
}

struct DemoOrder {
    status: &'static str,
    placed_days_ago: i64,
    /// (index into `PRODUCTS`, quantity)
    items: &'static [(usize, i32)],
    refund: Option<Refund>,
}

const AINO_ORDERS: [DemoOrder; 7] = [
    DemoOrder { status: "completed", placed_days_ago: 152, items: &[(0, 1), (1, 2)], refund: None },
    DemoOrder {
        status: "cancelled",
        placed_days_ago: 96,
        items: &[(4, 1)],
        refund: Some(Refund::Completed { requested_days_ago: 95, completed_days_ago: 89 }),
    },
    DemoOrder { status: "completed", placed_days_ago: 61, items: &[(2, 1)], refund: None },
    DemoOrder { status: "shipped", placed_days_ago: 12, items: &[(3, 1), (1, 1)], refund: None },
    DemoOrder {
        status: "cancelled",
        placed_days_ago: 7,
        items: &[(7, 1)],
        refund: Some(Refund::Pending { requested_days_ago: 5 }),
    },
    DemoOrder { status: "paid", placed_days_ago: 3, items: &[(6, 1)], refund: None },
    DemoOrder { status: "awaiting_payment", placed_days_ago: 1, items: &[(5, 1)], refund: None },
];

const EMILY_ORDERS: [DemoOrder; 7] = [
    DemoOrder { status: "completed", placed_days_ago: 178, items: &[(4, 1)], refund: None },
    DemoOrder { status: "completed", placed_days_ago: 120, items: &[(5, 1), (1, 3)], refund: None },
    DemoOrder {
        status: "cancelled",
        placed_days_ago: 74,
        items: &[(2, 1)],
        refund: Some(Refund::Completed { requested_days_ago: 73, completed_days_ago: 68 }),
    },
    DemoOrder { status: "shipped", placed_days_ago: 9, items: &[(7, 1)], refund: None },
    DemoOrder {
        status: "cancelled",
        placed_days_ago: 6,
        items: &[(6, 1), (3, 1)],
        refund: Some(Refund::Pending { requested_days_ago: 4 }),
    },
    DemoOrder { status: "paid", placed_days_ago: 2, items: &[(0, 2)], refund: None },
    DemoOrder { status: "awaiting_payment", placed_days_ago: 0, items: &[(3, 1)], refund: None },
];

struct Conversation {
    subject: &'static str,
    started_days_ago: i64,
    /// (written by the buyer?, body); one message every few hours, in this order.
    messages: &'static [(bool, &'static str)],
}

const AINO_CONVERSATION: Conversation = Conversation {
    subject: "Kysymys laturista",
    started_days_ago: 20,
    messages: &[
        (true, "Hei! Toimiiko 65 W:n laturi myös kannettavan tietokoneen kanssa?"),
        (false, "Hi Aino! Yes, it charges any USB-C laptop that takes up to 65 W."),
        (true, "Kiitos! Saako sen lähetettyä Suomeen alle viikossa?"),
        (false, "Orders to Finland usually arrive in 5 to 8 working days."),
        (true, "Selvä, tilaan sen. Kiitos nopeasta vastauksesta!"),
        (false, "You're welcome. Let me know if anything is wrong with it."),
    ],
};

const EMILY_CONVERSATION: Conversation = Conversation {
    subject: "Where is my portable SSD?",
    started_days_ago: 8,
    messages: &[
        (true, "Hello, my SSD order says shipped but the tracking hasn't moved in three days."),
        (false, "Hi Emily, sorry about that. The parcel is at the sorting centre; it should move tomorrow."),
        (true, "Thanks. Could you also confirm it comes with a USB-C to USB-A adapter?"),
        (false, "Yes, both cables are in the box."),
        (true, "Great, thank you!"),
    ],
};

/// The demo accounts: the seller, the English buyer, the Finnish buyer and the staff member.
pub fn accounts() -> Vec<DemoAccount> {
    [&SELLER, &ENGLISH_BUYER, &FINNISH_BUYER, &STAFF].iter().map(|p| p.account.clone()).collect()
}

/// Creates the demo accounts and their data unless they exist, or one of them was deleted (its
/// address is blocked for good: the demo must not bring it back); returns those that can sign
/// in (not deleted).
pub async fn seed(pool: &PgPool, digester: &EmailDigester) -> Result<Vec<DemoAccount>, sqlx::Error> {
    let emails: Vec<String> = accounts().iter().map(|a| a.email.to_owned()).collect();
    if any_blocked(pool, digester).await? {
        tracing::info!("a demo account was deleted: its address stays blocked, so the demo data is not seeded again");
    } else if !any_exists(pool, &emails).await? {
        // Hash outside the transaction and off the async threads: Argon2 is slow by design.
        let hashes = tokio::task::spawn_blocking(|| {
            [&SELLER, &FINNISH_BUYER, &ENGLISH_BUYER, &STAFF].map(|p| password_auth::generate_hash(p.account.password))
        })
        .await
        .expect("hashing a password does not panic");

        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SEED_LOCK).execute(&mut *tx).await?;
        // Another process may have seeded while we were hashing.
        if !any_exists(&mut *tx, &emails).await? {
            insert_everything(&mut tx, &hashes).await?;
            tx.commit().await?;
            tracing::info!("seeded the demo accounts");
        }
    }

    let active: Vec<String> =
        sqlx::query_scalar("SELECT lower(email) FROM accounts WHERE lower(email) = ANY($1) AND deleted_at IS NULL")
            .bind(&emails)
            .fetch_all(pool)
            .await?;
    Ok(accounts().into_iter().filter(|a| active.iter().any(|e| e == a.email)).collect())
}

async fn any_blocked(pool: &PgPool, digester: &EmailDigester) -> Result<bool, sqlx::Error> {
    let digests: Vec<Vec<u8>> = accounts()
        .iter()
        .flat_map(|a| digester.block_digests(&EmailAddress::parse(a.email).expect("the demo addresses are valid")))
        .collect();
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM blocked_email_digests WHERE digest = ANY($1))")
        .bind(digests)
        .fetch_one(pool)
        .await
}

async fn any_exists<'e>(executor: impl sqlx::PgExecutor<'e>, emails: &[String]) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE lower(email) = ANY($1))")
        .bind(emails)
        .fetch_one(executor)
        .await
}

async fn insert_everything(tx: &mut Transaction<'_, Postgres>, hashes: &[String; 4]) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    let lin = insert_person(tx, &SELLER, &hashes[0], now).await?;
    let aino = insert_person(tx, &FINNISH_BUYER, &hashes[1], now).await?;
    let emily = insert_person(tx, &ENGLISH_BUYER, &hashes[2], now).await?;
    let noora = insert_person(tx, &STAFF, &hashes[3], now).await?;
    sqlx::query(app::staff::store::sql::GRANT).bind(noora).execute(&mut **tx).await?;
    insert_reason_statistics(tx).await?;

    let store: Uuid =
        sqlx::query_scalar("INSERT INTO stores (owner_id, name, opened_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(lin)
            .bind(STORE_NAME)
            .bind(now - Duration::days(SELLER.member_for_days - 2))
            .fetch_one(&mut **tx)
            .await?;
    let mut products = Vec::with_capacity(PRODUCTS.len());
    for (title, price) in PRODUCTS {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO products (store_id, title, price_minor, currency) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(store)
        .bind(title)
        .bind(price)
        .bind(CURRENCY)
        .fetch_one(&mut **tx)
        .await?;
        products.push(id);
    }

    for (buyer, person, orders, conversation) in [
        (aino, &FINNISH_BUYER, &AINO_ORDERS, &AINO_CONVERSATION),
        (emily, &ENGLISH_BUYER, &EMILY_ORDERS, &EMILY_CONVERSATION),
    ] {
        for order in orders {
            insert_order(tx, buyer, person, store, &products, order, now).await?;
        }
        insert_conversation(tx, buyer, lin, store, conversation, now).await?;
    }
    Ok(())
}

/// Each reason's deletions a day per locale and role, on average (`leaving_business`: sellers
/// only); rare ones make small cells the page hides. `too_many_emails` fades over the weeks.
const DAILY_RATES: [(&str, f64); 9] = [
    ("registered_by_mistake", 1.1),
    ("no_suitable_products", 0.8),
    ("too_many_emails", 1.6),
    ("leaving_business", 0.7),
    ("cheated", 0.03),
    ("wrong_email", 0.1),
    ("found_supplier", 0.4),
    ("no_answers", 0.5),
    ("other", 0.3),
];

/// What people wrote under "Other", as the deletion stores them: masked.
const OTHER_TEXTS: [&str; 8] = [
    "Moving abroad and the shipping costs to my new country are too high.",
    "I only made the account to ask one seller a question; call me on +358 40 123 4567 if needed.",
    "Liian pitkät toimitusajat Suomeen, tilaan jatkossa kotimaasta.",
    "Prices went up too much this year. Ask me at aino.virtanen@example.fi",
    "Ostin saman tuotteen halvemmalla osoitteesta https://kauppa.example.fi/tuote/12",
    "The app keeps logging me out on my phone.",
    "En halua tiliä enää, soittakaa 040-1234567 jos on kysyttävää.",
    "Too many notifications even after I turned them off.",
];

/// 60 weeks of anonymous counters and some "Other" texts, as the housekeeping releases them.
async fn insert_reason_statistics(tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
    let (codes, rates): (Vec<&str>, Vec<f64>) = DAILY_RATES.into_iter().unzip();
    // Hash-made "randomness": the same figures on every fresh demo database of the same day.
    sqlx::query(
        "INSERT INTO deletion_reason_counts (day, reason, locale, role, deletions)
         SELECT day, reason, locale, role, deletions FROM (
             SELECT d::date AS day, r.code AS reason, l AS locale, ro AS role,
                    floor(r.rate * (CASE WHEN r.code = 'too_many_emails' THEN 0.4 + (current_date - d::date) / 420.0 ELSE 1 END)
                                 * (CASE WHEN r.code = 'leaving_business' AND ro = 'buyer' THEN 0 ELSE 1 END)
                                 * (0.5 + abs(hashtext(d::date || r.code || l || ro)) % 100 / 100.0)
                          + abs(hashtext(r.code || ro || l || d::date)) % 100 / 100.0)::int AS deletions
               FROM generate_series(current_date - 420, current_date - 1, interval '1 day') d,
                    unnest($1::text[], $2::float8[]) r(code, rate),
                    unnest(ARRAY['en', 'fi']) l, unnest(ARRAY['buyer', 'seller']) ro
         ) cells WHERE deletions > 0",
    )
    .bind(&codes)
    .bind(&rates)
    .execute(&mut **tx)
    .await?;
    let texts: Vec<String> = OTHER_TEXTS.iter().map(|t| app::deactivation::mask::mask_contact_details(t)).collect();
    sqlx::query(
        "INSERT INTO deletion_other_texts (given_on, text)
         SELECT current_date - 1 - (n % 5)::int * 3, text FROM unnest($1::text[]) WITH ORDINALITY AS t(text, n)",
    )
    .bind(&texts)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_person(
    tx: &mut Transaction<'_, Postgres>,
    person: &Person,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country, phone, preferred_locale, member_since)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(person.account.email)
    .bind(password_hash)
    .bind(person.account.name)
    .bind(person.country)
    .bind(person.phone)
    .bind(person.account.locale)
    .bind(now - Duration::days(person.member_for_days))
    .fetch_one(&mut **tx)
    .await?;
    let address = &person.address;
    sqlx::query(
        "INSERT INTO addresses (account_id, recipient, street, city, postal_code, country, phone)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(person.account.name)
    .bind(address.street)
    .bind(address.city)
    .bind(address.postal_code)
    .bind(address.country)
    .bind(person.phone)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

async fn insert_order(
    tx: &mut Transaction<'_, Postgres>,
    buyer: Uuid,
    person: &Person,
    store: Uuid,
    products: &[Uuid],
    order: &DemoOrder,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let total: i64 = order.items.iter().map(|&(p, quantity)| PRODUCTS[p].1 * i64::from(quantity)).sum();
    // A few hours into the day, so that orders of the same day do not share a timestamp.
    let placed_at = now - Duration::days(order.placed_days_ago) - Duration::minutes(37 + 53 * order.items.len() as i64);
    let order_id: Uuid = sqlx::query_scalar(
        "INSERT INTO orders (buyer_id, store_id, status, total_minor, currency,
                             ship_to_name, ship_to_address, ship_to_phone, placed_at)
         VALUES ($1, $2, $3::order_status, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(buyer)
    .bind(store)
    .bind(order.status)
    .bind(total)
    .bind(CURRENCY)
    .bind(person.account.name)
    .bind(person.address.one_line())
    .bind(person.phone)
    .bind(placed_at)
    .fetch_one(&mut **tx)
    .await?;
    for &(p, quantity) in order.items {
        sqlx::query(
            "INSERT INTO order_items (order_id, product_id, title, quantity, unit_price_minor)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(order_id)
        .bind(products[p])
        .bind(PRODUCTS[p].0)
        .bind(quantity)
        .bind(PRODUCTS[p].1)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(refund) = order.refund {
        let (status, requested, completed) = match refund {
            Refund::Pending { requested_days_ago } => ("pending", requested_days_ago, None),
            Refund::Completed { requested_days_ago, completed_days_ago } => {
                ("completed", requested_days_ago, Some(now - Duration::days(completed_days_ago)))
            }
        };
        sqlx::query(
            "INSERT INTO refunds (order_id, amount_minor, currency, status, requested_at, completed_at)
             VALUES ($1, $2, $3, $4::refund_status, $5, $6)",
        )
        .bind(order_id)
        .bind(total)
        .bind(CURRENCY)
        .bind(status)
        .bind(now - Duration::days(requested))
        .bind(completed)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn insert_conversation(
    tx: &mut Transaction<'_, Postgres>,
    buyer: Uuid,
    seller: Uuid,
    store: Uuid,
    conversation: &Conversation,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let started_at = now - Duration::days(conversation.started_days_ago);
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO conversations (buyer_id, store_id, subject, started_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(buyer)
    .bind(store)
    .bind(conversation.subject)
    .bind(started_at)
    .fetch_one(&mut **tx)
    .await?;
    for (n, &(by_buyer, body)) in conversation.messages.iter().enumerate() {
        sqlx::query("INSERT INTO messages (conversation_id, author_id, body, sent_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(if by_buyer { buyer } else { seller })
            .bind(body)
            .bind(started_at + Duration::hours(3 * n as i64))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Prints the demo accounts' sign-in details as a small aligned table on stdout.
pub fn print_sign_in_details(accounts: &[DemoAccount]) {
    print!("{}", sign_in_table(accounts));
}

fn sign_in_table(accounts: &[DemoAccount]) -> String {
    if accounts.is_empty() {
        return "No demo accounts can sign in: they have been deleted. Start with a fresh database to get them back.\n"
            .to_owned();
    }
    let header = ["role", "email", "password", "language"];
    let rows: Vec<[&str; 4]> = accounts.iter().map(|a| [a.role, a.email, a.password, language(a.locale)]).collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::from("Demo accounts (sign in with these):\n");
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        out.push_str("  ");
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn language(locale: &str) -> &'static str {
    match locale {
        "fi" => "Finnish (suomi)",
        _ => "English",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_table_is_aligned() {
        let table = sign_in_table(&accounts());

        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 6, "{table}");
        let password_column = lines[1].find("password").unwrap();
        for (line, account) in lines[2..].iter().zip(accounts()) {
            assert_eq!(line.find(account.password), Some(password_column), "{table}");
        }
        assert!(table.contains("aino.virtanen@demo.deactivate.test  aino-demo-2026   Finnish (suomi)"), "{table}");
    }

    #[test]
    fn every_order_status_and_both_refund_states_are_seeded_for_each_buyer() {
        for orders in [&AINO_ORDERS, &EMILY_ORDERS] {
            for status in ["awaiting_payment", "paid", "shipped", "completed", "cancelled"] {
                assert!(orders.iter().any(|o| o.status == status), "{status}");
            }
            assert!(orders.iter().any(|o| matches!(o.refund, Some(Refund::Pending { .. }))));
            assert!(orders.iter().any(|o| matches!(o.refund, Some(Refund::Completed { .. }))));
            assert!(orders.iter().all(|o| o.refund.is_none() || o.status == "cancelled"));
        }
    }
}
