//! The fixtures API for end-to-end suites: each test creates its own fresh account, so suites
//! run in parallel without sharing state.
//!
//! ## Who can reach it
//!
//! - **Only a test build.** This module exists only in a server built with the cargo feature
//!   `test-fixtures` (`cargo build --release -p server --features test-fixtures`, which
//!   `cargo xtask test` copies to `target/e2e/server-with-fixtures` for Playwright). The release
//!   build (`cargo leptos build --release`), `cargo xtask run` and `cargo xtask bench` never turn
//!   it on: their binary has no fixtures code and answers `404` at `/test-fixtures`, whatever
//!   the environment.
//! - **Only on purpose.** A server built with the feature refuses to start unless
//!   `APP_TEST_FIXTURES=1` and `APP_TEST_FIXTURES_TOKEN` holds at least 32 visible ASCII
//!   characters (`cargo xtask test` makes a random one for each run), so the binary cannot be
//!   started by mistake as if it were the production one.
//! - **Only with the token.** Every request under `/test-fixtures` must carry
//!   `Authorization: Bearer <APP_TEST_FIXTURES_TOKEN>`, compared in constant time; otherwise
//!   `401` with `{ "error": "..." }` and `WWW-Authenticate: Bearer`, before the body is read.
//!   Like every state-changing request, it must also come from the site's origin (`Origin` or
//!   `Sec-Fetch-Site`, `server/src/security.rs`), or it is a `403` first.
//! - **Only fixture data.** It creates new accounts and touches no other: `buy_from_store` must
//!   name the open store of a live fixture account (one with a row in `test_fixtures`, which
//!   only this API writes: [`crate::fixture_lifetime`]), any other store is a `400`; the shared
//!   accounts below are used only if they are the API's own (no usable password).
//! - **No internals in its answers.** A database or other internal error is logged and answered
//!   `500` with `{ "error": "internal error" }`.
//!
//! ## `POST /test-fixtures/accounts`
//!
//! Creates one account and returns its credentials. The body is JSON
//! (`Content-Type: application/json`); every field is optional, and an empty body (no
//! `Content-Type`) means all defaults:
//!
//! ```json
//! {
//!   "locale": "fi",
//!   "name": "Aino Testaaja",
//!   "orders": ["awaiting_payment", "paid", "shipped", "completed", "cancelled"],
//!   "messages": 10,
//!   "pending_refund": true,
//!   "store": true,
//!   "password_age_minutes": 15,
//!   "ttl_seconds": 900
//! }
//! ```
//!
//! | field | default | meaning |
//! | --- | --- | --- |
//! | `locale` | `"en"` | the account's language, `"en"` or `"fi"` (country GB or FI) |
//! | `name` | `"Alex Tester <8 hex>"` / `"Aino Testaaja <8 hex>"` | the display name, 1 to 100 characters |
//! | `orders` | `[]` | at most 100 (over 50 open ones, the deactivation page adds "…and N more"): one order per entry, in that status, bought from the shared store "Fixture Supplies", one item each, the newest first |
//! | `messages` | `0` | 0 to 2000: one conversation with "Fixture Supplies" holding that many messages, alternating between the account (first) and the store's owner |
//! | `pending_refund` | `false` | one more order, paid then cancelled, with a pending refund of its total |
//! | `store` | `false` | makes the account a seller: its own open store with 3 listed products and 2 sales to the shared account "Fixture Buyer" (one completed, one paid) |
//! | `buy_from_store` | none | the id of an open store of another fixture account (its `store_id`): the `orders`, `messages` and `pending_refund` are with that store instead of "Fixture Supplies"; a store the API did not create is a `400` |
//! | `password_age_minutes` | `0` | 0 to 525600: in the returned `session`, the password was last entered this long ago (more than 10 asks for it again before a deactivation); a sign-in starts a session of its own, with the password just entered |
//! | `ttl_seconds` | `3600` | 1 to 86400: the account expires this long after its creation and is then deleted (`fixture_lifetime.rs`) |
//!
//! The account also gets a phone number and one address (copied into its orders' shipping
//! snapshot), unique to it, so a sweep for its personal data finds only its own rows.
//!
//! Answers `201 Created` with
//!
//! ```json
//! { "id": "<uuid>", "email": "e2e-<uuid>@example.test", "password": "<random>",
//!   "name": "...", "locale": "en", "store_id": "<uuid>" | null, "session": "<cookie value>",
//!   "expires_at": "<RFC 3339>", "deletion_token": "<43 characters>" }
//! ```
//!
//! or `400 Bad Request` with `{ "error": "..." }` saying what is wrong (malformed JSON, an unknown
//! field, a value out of bounds, a store that is not a fixture's), in which case nothing is
//! created. Everything is created in one transaction. The shared "Fixture Supplies" store, its
//! owner and "Fixture Buyer" are created on first use (safely under concurrent calls); none of
//! them can sign in, and they never expire.
//!
//! ## `DELETE /test-fixtures/accounts/{id}`
//!
//! With `Fixture-Deletion-Token: <deletion_token>`: deletes the fixture account before it
//! expires (`204`); only its maker has the token ([`crate::fixture_lifetime`]). A store made with
//! an account (`store: true`) is its owner's and goes with it.

use crate::fixture_lifetime::{self, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS};
use app::auth::digest::EmailDigester;
use app::auth::session;
use axum::{
    extract::{rejection::JsonRejection, FromRef, Request, State},
    http::{header, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{any, delete, post},
    Json, Router,
};
use chrono::{DateTime, Duration, Utc};
use rand::{distributions::Alphanumeric, Rng};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};
use std::{fmt, sync::Arc};
use subtle::ConstantTimeEq;
use uuid::Uuid;

pub const MAX_ORDERS: usize = 100;
pub const MAX_MESSAGES: i64 = 2000;
pub const MAX_PASSWORD_AGE_MINUTES: i64 = 525_600;
const MAX_NAME_CHARS: usize = 100;
const STATUSES: [&str; 5] = ["awaiting_payment", "paid", "shipped", "completed", "cancelled"];
const CURRENCY: &str = "EUR";

/// The shared seller every fixture account buys from.
const SUPPLIER_EMAIL: &str = "fixture-supplies-owner@example.test";
const SUPPLIER_NAME: &str = "Fixture Supplies Owner";
const SUPPLIER_STORE: &str = "Fixture Supplies";
const SUPPLIER_PRODUCTS: [(&str, i64); 4] =
    [("Fixture cable", 599), ("Fixture gadget", 2490), ("Fixture lamp", 4200), ("Fixture widget", 1500)];
/// The shared buyer of every fixture seller's sales.
const BUYER_EMAIL: &str = "fixture-buyer@example.test";
const BUYER_NAME: &str = "Fixture Buyer";
const BUYER_ADDRESS: &str = "1 Fixture Road, London E1 6AN, GB";
const BUYER_PHONE: &str = "+44 7700 900001";
/// Not a valid password hash: the shared fixture accounts can never sign in.
const NO_PASSWORD: &str = "!fixture-account-without-password";

/// The email domain of every account the API makes. `.test` is reserved (RFC 6761): no real
/// mailbox has it.
const EMAIL_DOMAIN: &str = "@example.test";
const EMAIL_PREFIX: &str = "e2e-";

/// The bearer token every fixtures request must carry (`APP_TEST_FIXTURES_TOKEN`): at least
/// [`Token::MIN_CHARS`] visible ASCII characters. Its `Debug` does not show it.
#[derive(Clone)]
pub struct Token(Arc<str>);

impl Token {
    pub const MIN_CHARS: usize = 32;

    pub fn new(token: &str) -> Result<Token, String> {
        if token.len() < Self::MIN_CHARS || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "APP_TEST_FIXTURES_TOKEN must be at least {} visible ASCII characters (no spaces) — \
                 the fixtures API requires it as a bearer token; use a random one, such as the output of \
                 `openssl rand -hex 32` (cargo xtask test makes one for each run)",
                Self::MIN_CHARS
            ));
        }
        Ok(Token(Arc::from(token)))
    }

    /// What a server built with this module needs from its environment: `APP_TEST_FIXTURES`
    /// switched on (`flag`) and the token. Either missing stops the server with the reason.
    pub fn from_settings(flag: bool, token: Option<&str>) -> Result<Token, String> {
        if !flag {
            return Err("this server is built with the test-fixtures feature (the fixtures API for \
                        end-to-end suites) and starts only with APP_TEST_FIXTURES=1 and \
                        APP_TEST_FIXTURES_TOKEN — never run it in production: build the production server \
                        without the feature (`cargo leptos build --release`, as `cargo xtask run` does)"
                .to_owned());
        }
        match token {
            None | Some("") => Err("APP_TEST_FIXTURES_TOKEN is not set — the fixtures API requires a \
                                    bearer token of at least 32 random characters (cargo xtask test \
                                    makes one for each run)"
                .to_owned()),
            Some(token) => Token::new(token),
        }
    }

    /// Constant-time in the token's content (its length is not a secret).
    fn matches(&self, given: &str) -> bool {
        bool::from(given.as_bytes().ct_eq(self.0.as_bytes()))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// What the fixtures' handlers need: the pool, and the digests a deletion locks and forgets.
#[derive(Clone, FromRef)]
pub struct FixturesState {
    pub pool: PgPool,
    pub digester: EmailDigester,
}

/// The routes, to be nested at `/test-fixtures`. Every request under it, including to paths
/// that do not exist, must first carry the token.
pub fn router<S: Clone + Send + Sync + 'static>(state: FixturesState, token: Token) -> Router<S> {
    Router::new()
        .route("/accounts", post(create_account))
        .route("/accounts/{id}", delete(fixture_lifetime::delete_account))
        // Routes, not a fallback: a nested router's fallback is not used for the paths under it.
        .route("/", any(not_found))
        .route("/{*rest}", any(not_found))
        .layer(middleware::from_fn_with_state(token, require_token))
        .with_state(state)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        ErrorBody::json(
            "no such fixtures endpoint: use POST /test-fixtures/accounts or DELETE /test-fixtures/accounts/{id}",
        ),
    )
        .into_response()
}

/// Lets a request through only with `Authorization: Bearer <token>` (the scheme in any case,
/// RFC 7235); answers 401 before anything else is read.
async fn require_token(State(token): State<Token>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, credentials)| credentials.trim());
    if given.is_some_and(|given| token.matches(given)) {
        return next.run(request).await;
    }
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
        with_token = given.is_some(),
        "fixtures API: refused a request without the right bearer token"
    );
    let error = "the fixtures API needs the header Authorization: Bearer <APP_TEST_FIXTURES_TOKEN>";
    (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], ErrorBody::json(error)).into_response()
}

/// The address of a new fixture account: `.test` is reserved (RFC 6761), so no real mailbox has it.
fn fixture_email(key: Uuid) -> String {
    format!("{EMAIL_PREFIX}{}{EMAIL_DOMAIN}", key.hyphenated())
}

/// The body of every answer but `201`: what is wrong, for a person to read.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    pub error: String,
}

impl ErrorBody {
    pub(crate) fn json(error: impl Into<String>) -> Json<ErrorBody> {
        Json(ErrorBody { error: error.into() })
    }
}

/// Every field is optional; an empty body means all defaults (see the module's documentation).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountRequest {
    /// `"en"` (the default) or `"fi"`: the account's language and country (GB or FI).
    pub locale: Option<String>,
    /// The display name, 1 to 100 characters (default: a tester's name with 8 hex digits).
    pub name: Option<String>,
    /// At most 50: one order per entry, in that status (`awaiting_payment`, `paid`, `shipped`,
    /// `completed`, `cancelled`), from the shared store "Fixture Supplies", the newest first.
    pub orders: Option<Vec<String>>,
    /// 0 to 2000: one conversation with the store, that many messages, the account's first.
    pub messages: Option<i64>,
    /// One more order, paid then cancelled, with a pending refund of its total.
    pub pending_refund: Option<bool>,
    /// Makes the account a seller: an open store, 3 listed products, 2 sales (one completed, one paid).
    pub store: Option<bool>,
    /// 0 to 525600: how long ago the password was entered in the returned `session` (over 10
    /// minutes, the deactivation page asks for it first).
    pub password_age_minutes: Option<i64>,
    /// Another fixture account's `store_id`: the orders, messages and refund are with that store.
    pub buy_from_store: Option<Uuid>,
    /// 1 to 86400 (default 3600): the account expires this long after its creation, and is then
    /// deleted as a deletion deletes, with its store.
    pub ttl_seconds: Option<i64>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CreatedAccount {
    pub id: Uuid,
    pub email: String,
    pub password: String,
    pub name: String,
    pub locale: &'static str,
    pub store_id: Option<Uuid>,
    /// The value of a `session` cookie already signed in as the account, whose password was
    /// entered in it `password_age_minutes` ago (a suite may skip the sign-in page with it).
    pub session: String,
    /// When the account expires and is deleted (RFC 3339): `ttl_seconds` after its creation.
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub expires_at: DateTime<Utc>,
    /// Deletes the account before it expires: `DELETE /test-fixtures/accounts/{id}` with the
    /// header `Fixture-Deletion-Token: <this>`. Only this answer holds it.
    pub deletion_token: String,
}

/// A checked request.
#[derive(Debug, PartialEq)]
struct Spec {
    locale: &'static str,
    name: Option<String>,
    orders: Vec<&'static str>,
    messages: i32,
    pending_refund: bool,
    store: bool,
    password_age_minutes: i32,
    buy_from_store: Option<Uuid>,
    ttl_seconds: i32,
}

impl AccountRequest {
    /// Every problem with the request, or what to create.
    fn check(self) -> Result<Spec, String> {
        let mut problems = Vec::new();
        let locale = match self.locale.as_deref() {
            None | Some("en") => "en",
            Some("fi") => "fi",
            Some(other) => {
                problems.push(format!("locale must be \"en\" or \"fi\", not {other:?}"));
                "en"
            }
        };
        let name = self.name.map(|n| n.trim().to_owned());
        match &name {
            Some(n) if n.is_empty() => problems.push("name must not be empty".to_owned()),
            Some(n) if n.chars().count() > MAX_NAME_CHARS => {
                problems.push(format!("name must be at most {MAX_NAME_CHARS} characters, not {}", n.chars().count()))
            }
            Some(n) if n.chars().any(char::is_control) => {
                problems.push("name must not contain control characters".to_owned())
            }
            _ => {}
        }
        let requested = self.orders.unwrap_or_default();
        if requested.len() > MAX_ORDERS {
            problems.push(format!("orders may list at most {MAX_ORDERS} orders, not {}", requested.len()));
        }
        let mut orders = Vec::with_capacity(requested.len());
        for (i, status) in requested.iter().enumerate() {
            match STATUSES.iter().find(|s| **s == status) {
                Some(s) => orders.push(*s),
                None => problems.push(format!(
                    "orders[{i}] is {status:?}, which is not an order status: use one of {}",
                    STATUSES.join(", ")
                )),
            }
        }
        let messages = self.messages.unwrap_or(0);
        if !(0..=MAX_MESSAGES).contains(&messages) {
            problems.push(format!("messages must be between 0 and {MAX_MESSAGES}, not {messages}"));
        }
        let password_age_minutes = self.password_age_minutes.unwrap_or(0);
        if !(0..=MAX_PASSWORD_AGE_MINUTES).contains(&password_age_minutes) {
            problems.push(format!(
                "password_age_minutes must be between 0 and {MAX_PASSWORD_AGE_MINUTES}, not {password_age_minutes}"
            ));
        }
        let ttl_seconds = self.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
        if !(1..=MAX_TTL_SECONDS).contains(&ttl_seconds) {
            problems.push(format!("ttl_seconds must be between 1 and {MAX_TTL_SECONDS}, not {ttl_seconds}"));
        }
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        Ok(Spec {
            locale,
            name,
            orders,
            messages: messages as i32,
            pending_refund: self.pending_refund.unwrap_or(false),
            store: self.store.unwrap_or(false),
            password_age_minutes: password_age_minutes as i32,
            buy_from_store: self.buy_from_store,
            ttl_seconds: ttl_seconds as i32,
        })
    }
}

#[derive(Debug)]
pub enum FixtureError {
    /// Said to the caller as it is: the message names only what the request got wrong.
    BadRequest(String),
    /// Logged, and answered with no detail at all.
    Internal(String),
}

impl From<sqlx::Error> for FixtureError {
    fn from(error: sqlx::Error) -> Self {
        FixtureError::Internal(format!("database error: {error}"))
    }
}

impl IntoResponse for FixtureError {
    fn into_response(self) -> Response {
        match self {
            FixtureError::BadRequest(error) => (StatusCode::BAD_REQUEST, ErrorBody::json(error)).into_response(),
            FixtureError::Internal(error) => {
                tracing::error!(%error, "fixtures API: internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorBody::json("internal error")).into_response()
            }
        }
    }
}

async fn create_account(
    State(pool): State<PgPool>,
    body: Result<Option<Json<AccountRequest>>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedAccount>), FixtureError> {
    let request = match body {
        Ok(Some(Json(request))) => request,
        Ok(None) => AccountRequest::default(),
        Err(rejection) => return Err(FixtureError::BadRequest(rejection.body_text())),
    };
    let spec = request.check().map_err(FixtureError::BadRequest)?;
    if let Some(store_id) = spec.buy_from_store {
        // Checked before the password is hashed, and again in the transaction.
        fixture_store_owner(&pool, store_id).await?;
    }
    let created = create(&pool, spec).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The owner of `store_id` if it is an open store with products whose live owner is a fixture
/// account (one this API created, not yet deleted or expired); a 400 otherwise, the same
/// whichever condition fails, so the answer says nothing about stores that are not fixtures'.
async fn fixture_store_owner(db: impl sqlx::PgExecutor<'_>, store_id: Uuid) -> Result<Uuid, FixtureError> {
    let owner: Option<Uuid> = sqlx::query_scalar(
        "SELECT a.id FROM stores s JOIN accounts a ON a.id = s.owner_id JOIN test_fixtures f ON f.account_id = a.id
          WHERE s.id = $1 AND s.closed_at IS NULL AND a.deleted_at IS NULL
            AND EXISTS (SELECT 1 FROM products p WHERE p.store_id = s.id)",
    )
    .bind(store_id)
    .fetch_optional(db)
    .await?;
    match owner {
        Some(owner_id) => Ok(owner_id),
        None => Err(FixtureError::BadRequest(format!(
            "buy_from_store: {store_id} is not an open store with products of an account this API created \
             (another fixture account's store_id)"
        ))),
    }
}

/// The account's personal data, also copied into its orders.
struct Person {
    id: Uuid,
    name: String,
    phone: String,
    address: String,
}

async fn create(pool: &PgPool, spec: Spec) -> Result<CreatedAccount, FixtureError> {
    let key = Uuid::new_v4();
    let tag = &key.simple().to_string()[..8];
    let email = fixture_email(key);
    let password: String = rand::thread_rng().sample_iter(&Alphanumeric).take(24).map(char::from).collect();
    let name = spec.name.clone().unwrap_or_else(|| match spec.locale {
        "fi" => format!("Aino Testaaja {tag}"),
        _ => format!("Alex Tester {tag}"),
    });
    let digits = key.as_u128() % 10_000_000;
    let (country, phone, street, postal_code, city) = match spec.locale {
        "fi" => ("FI", format!("+358 40 {digits:07}"), format!("Testikatu {tag} A 1"), "00100", "Helsinki"),
        _ => ("GB", format!("+44 7700 {digits:07}"), format!("{tag} Fixture Street"), "SW1A 1AA", "London"),
    };
    let hash = {
        let password = password.clone();
        tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
            .await
            .map_err(|e| FixtureError::Internal(format!("hashing the password failed: {e}")))?
    };

    let mut tx = pool.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country, phone, preferred_locale)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&email)
    .bind(&hash)
    .bind(&name)
    .bind(country)
    .bind(&phone)
    .bind(spec.locale)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO addresses (account_id, recipient, street, city, postal_code, country, phone)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(&name)
    .bind(&street)
    .bind(city)
    .bind(postal_code)
    .bind(country)
    .bind(&phone)
    .execute(&mut *tx)
    .await?;
    let person =
        Person { id, name: name.clone(), phone, address: format!("{street}, {postal_code} {city}, {country}") };

    let now = Utc::now();
    if !spec.orders.is_empty() || spec.messages > 0 || spec.pending_refund {
        let supplier = match spec.buy_from_store {
            Some(store_id) => store_supplier(&mut tx, store_id).await?,
            None => supplier(&mut tx).await?,
        };
        let orders: Vec<NewOrder> = spec
            .orders
            .iter()
            .enumerate()
            .map(|(i, status)| {
                let (product_id, title, price) = supplier.products[i % supplier.products.len()].clone();
                NewOrder {
                    id: Uuid::new_v4(),
                    status,
                    product_id,
                    title,
                    quantity: 1 + (i % 2) as i32,
                    unit_price_minor: price,
                    placed_at: now - Duration::days(i as i64 + 1),
                }
            })
            .collect();
        insert_orders(&mut tx, &person, supplier.store_id, &orders).await?;
        if spec.pending_refund {
            let (product_id, title, price) = supplier.products[0].clone();
            let order = NewOrder {
                id: Uuid::new_v4(),
                status: "cancelled",
                product_id,
                title,
                quantity: 1,
                unit_price_minor: price,
                placed_at: now - Duration::hours(6),
            };
            insert_orders(&mut tx, &person, supplier.store_id, std::slice::from_ref(&order)).await?;
            sqlx::query(
                "INSERT INTO refunds (order_id, amount_minor, currency, status, requested_at)
                 VALUES ($1, $2, $3, 'pending', now() - interval '2 hours')",
            )
            .bind(order.id)
            .bind(order.unit_price_minor)
            .bind(CURRENCY)
            .execute(&mut *tx)
            .await?;
        }
        if spec.messages > 0 {
            insert_conversation(&mut tx, id, supplier.owner_id, supplier.store_id, spec.messages).await?;
        }
    }

    let store_id = if spec.store { Some(insert_store(&mut tx, id, &name, spec.locale, now).await?) } else { None };
    let session = session::create(&mut tx, id).await?;
    sqlx::query("UPDATE sessions SET password_entered_at = now() - make_interval(mins => $2) WHERE account_id = $1")
        .bind(id)
        .bind(spec.password_age_minutes)
        .execute(&mut *tx)
        .await?;
    let lifetime = fixture_lifetime::record(&mut tx, id, spec.ttl_seconds).await?;
    tx.commit().await?;

    Ok(CreatedAccount {
        id,
        email,
        password,
        name,
        locale: spec.locale,
        store_id,
        session: session.as_str().to_owned(),
        expires_at: lifetime.expires_at,
        deletion_token: lifetime.deletion_token,
    })
}

struct Supplier {
    owner_id: Uuid,
    store_id: Uuid,
    /// (id, title, price), by title.
    products: Vec<(Uuid, String, i64)>,
}

/// A fixture account's store (`buy_from_store`), so a test can make one account a customer of
/// another's.
async fn store_supplier(tx: &mut Transaction<'_, Postgres>, store_id: Uuid) -> Result<Supplier, FixtureError> {
    let owner_id = fixture_store_owner(&mut **tx, store_id).await?;
    let products = sqlx::query_as("SELECT id, title, price_minor FROM products WHERE store_id = $1 ORDER BY title, id")
        .bind(store_id)
        .fetch_all(&mut **tx)
        .await?;
    Ok(Supplier { owner_id, store_id, products })
}

/// The shared "Fixture Supplies" store, created on first use. `ON CONFLICT DO NOTHING` on the
/// unique keys (`lower(email)`, `stores.owner_id`) makes concurrent first calls wait for the one
/// that inserts and then use its rows.
async fn supplier(tx: &mut Transaction<'_, Postgres>) -> Result<Supplier, FixtureError> {
    let owner_id = shared_account(tx, SUPPLIER_EMAIL, SUPPLIER_NAME, None).await?;
    let created: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO stores (owner_id, name) VALUES ($1, $2) ON CONFLICT (owner_id) DO NOTHING RETURNING id",
    )
    .bind(owner_id)
    .bind(SUPPLIER_STORE)
    .fetch_optional(&mut **tx)
    .await?;
    let store_id = match created {
        Some(store_id) => {
            let (titles, prices): (Vec<&str>, Vec<i64>) = SUPPLIER_PRODUCTS.iter().copied().unzip();
            sqlx::query(
                "INSERT INTO products (store_id, title, price_minor, currency)
                 SELECT $1, title, price, $4 FROM unnest($2::text[], $3::bigint[]) AS p(title, price)",
            )
            .bind(store_id)
            .bind(&titles)
            .bind(&prices)
            .bind(CURRENCY)
            .execute(&mut **tx)
            .await?;
            store_id
        }
        None => {
            sqlx::query_scalar("SELECT id FROM stores WHERE owner_id = $1").bind(owner_id).fetch_one(&mut **tx).await?
        }
    };
    let products = sqlx::query_as("SELECT id, title, price_minor FROM products WHERE store_id = $1 ORDER BY title, id")
        .bind(store_id)
        .fetch_all(&mut **tx)
        .await?;
    Ok(Supplier { owner_id, store_id, products })
}

/// One of the shared fixture accounts (no usable password), created on first use. An account
/// with that address that the API did not make (it has a password) is never used.
async fn shared_account(
    tx: &mut Transaction<'_, Postgres>,
    email: &str,
    name: &str,
    phone: Option<&str>,
) -> Result<Uuid, FixtureError> {
    let created: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO accounts (email, password_hash, name, country, phone) VALUES ($1, $2, $3, 'GB', $4)
         ON CONFLICT ((coalesce(email_canonical, lower(email)))) DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(NO_PASSWORD)
    .bind(name)
    .bind(phone)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = created {
        return Ok(id);
    }
    let (id, hash): (Uuid, String) =
        sqlx::query_as("SELECT id, password_hash FROM accounts WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_one(&mut **tx)
            .await?;
    if hash != NO_PASSWORD {
        return Err(FixtureError::Internal(format!(
            "the account {id} has the shared fixture address {email} but was not made by the fixtures API"
        )));
    }
    Ok(id)
}

struct NewOrder {
    id: Uuid,
    status: &'static str,
    product_id: Uuid,
    title: String,
    quantity: i32,
    unit_price_minor: i64,
    placed_at: DateTime<Utc>,
}

/// Inserts the orders (one item each) in one statement, whatever their number.
async fn insert_orders(
    tx: &mut Transaction<'_, Postgres>,
    buyer: &Person,
    store_id: Uuid,
    orders: &[NewOrder],
) -> Result<(), sqlx::Error> {
    if orders.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    let statuses: Vec<&str> = orders.iter().map(|o| o.status).collect();
    let product_ids: Vec<Uuid> = orders.iter().map(|o| o.product_id).collect();
    let titles: Vec<&str> = orders.iter().map(|o| o.title.as_str()).collect();
    let quantities: Vec<i32> = orders.iter().map(|o| o.quantity).collect();
    let prices: Vec<i64> = orders.iter().map(|o| o.unit_price_minor).collect();
    let placed: Vec<DateTime<Utc>> = orders.iter().map(|o| o.placed_at).collect();
    sqlx::query(
        "WITH input AS (
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::int[], $6::bigint[],
                                  $7::timestamptz[])
                 WITH ORDINALITY AS t(id, status, product_id, title, quantity, unit_price_minor, placed_at, n)
         ), new_orders AS (
             INSERT INTO orders (id, buyer_id, store_id, status, total_minor, currency,
                                 ship_to_name, ship_to_address, ship_to_phone, placed_at)
             SELECT id, $8, $9, status::order_status, quantity * unit_price_minor, $10, $11, $12, $13, placed_at
             FROM input ORDER BY n
         )
         INSERT INTO order_items (order_id, product_id, title, quantity, unit_price_minor)
         SELECT id, product_id, title, quantity, unit_price_minor FROM input ORDER BY n",
    )
    .bind(&ids)
    .bind(&statuses)
    .bind(&product_ids)
    .bind(&titles)
    .bind(&quantities)
    .bind(&prices)
    .bind(&placed)
    .bind(buyer.id)
    .bind(store_id)
    .bind(CURRENCY)
    .bind(&buyer.name)
    .bind(&buyer.address)
    .bind(&buyer.phone)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One conversation between the buyer and the store, `count` messages alternating between the
/// buyer (first) and the store's owner, a minute apart, the last one just now.
async fn insert_conversation(
    tx: &mut Transaction<'_, Postgres>,
    buyer_id: Uuid,
    owner_id: Uuid,
    store_id: Uuid,
    count: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH c AS (
             INSERT INTO conversations (buyer_id, store_id, subject, started_at)
             VALUES ($1, $2, 'Fixture conversation', now() - make_interval(mins => $4))
             RETURNING id
         )
         INSERT INTO messages (conversation_id, author_id, body, sent_at)
         SELECT c.id,
                CASE WHEN i % 2 = 1 THEN $1 ELSE $3 END,
                CASE WHEN i % 2 = 1 THEN format('Fixture message %s from the buyer', i)
                     ELSE format('Fixture message %s from the store', i) END,
                now() - make_interval(mins => $4 - i)
         FROM c CROSS JOIN generate_series(1, $4) AS i",
    )
    .bind(buyer_id)
    .bind(store_id)
    .bind(owner_id)
    .bind(count)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The account's own open store: 3 listed products and 2 sales (one completed, one paid) to the
/// shared "Fixture Buyer".
async fn insert_store(
    tx: &mut Transaction<'_, Postgres>,
    owner_id: Uuid,
    owner_name: &str,
    locale: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, FixtureError> {
    let buyer_id = shared_account(tx, BUYER_EMAIL, BUYER_NAME, Some(BUYER_PHONE)).await?;
    let store_name = match locale {
        "fi" => format!("{owner_name} – kauppa"),
        _ => format!("{owner_name}'s shop"),
    };
    let store_id: Uuid = sqlx::query_scalar("INSERT INTO stores (owner_id, name) VALUES ($1, $2) RETURNING id")
        .bind(owner_id)
        .bind(&store_name)
        .fetch_one(&mut **tx)
        .await?;
    let products: Vec<(Uuid, String, i64)> = sqlx::query_as(
        "INSERT INTO products (store_id, title, price_minor, currency)
         SELECT $1, title, price, $2
         FROM (VALUES ('Handmade mug', 1850::bigint), ('Linen tote bag', 2200), ('Enamel pin', 650)) AS p(title, price)
         RETURNING id, title, price_minor",
    )
    .bind(store_id)
    .bind(CURRENCY)
    .fetch_all(&mut **tx)
    .await?;
    let buyer = Person {
        id: buyer_id,
        name: BUYER_NAME.to_owned(),
        phone: BUYER_PHONE.to_owned(),
        address: BUYER_ADDRESS.to_owned(),
    };
    let sales: Vec<NewOrder> = [("completed", 20), ("paid", 1)]
        .into_iter()
        .zip(&products)
        .map(|((status, days_ago), (product_id, title, price))| NewOrder {
            id: Uuid::new_v4(),
            status,
            product_id: *product_id,
            title: title.clone(),
            quantity: 1,
            unit_price_minor: *price,
            placed_at: now - Duration::days(days_ago),
        })
        .collect();
    insert_orders(tx, &buyer, store_id, &sales).await?;
    Ok(store_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(body: &str) -> Result<Spec, String> {
        serde_json::from_str::<AccountRequest>(body).map_err(|e| e.to_string())?.check()
    }

    #[test]
    fn defaults_are_an_english_account_with_nothing_else() {
        let spec = check("{}").unwrap();

        assert_eq!(
            spec,
            Spec {
                locale: "en",
                name: None,
                orders: vec![],
                messages: 0,
                pending_refund: false,
                store: false,
                password_age_minutes: 0,
                buy_from_store: None,
                ttl_seconds: 3600
            }
        );
    }

    #[test]
    fn every_problem_is_named() {
        let error = check(
            r#"{"locale": "sv", "name": "  ", "orders": ["paid", "refunded"], "messages": 2001, "password_age_minutes": -1, "ttl_seconds": 0}"#,
        )
        .unwrap_err();

        assert!(error.contains(r#"locale must be "en" or "fi", not "sv""#), "{error}");
        assert!(error.contains("name must not be empty"), "{error}");
        assert!(error.contains(r#"orders[1] is "refunded", which is not an order status"#), "{error}");
        assert!(error.contains("messages must be between 0 and 2000, not 2001"), "{error}");
        assert!(error.contains("password_age_minutes must be between 0 and 525600, not -1"), "{error}");
        assert!(error.contains("ttl_seconds must be between 1 and 86400, not 0"), "{error}");
    }

    #[test]
    fn the_bounds_themselves_are_allowed() {
        let orders = vec!["shipped"; MAX_ORDERS];
        let body = json!({ "orders": orders, "messages": MAX_MESSAGES, "password_age_minutes": MAX_PASSWORD_AGE_MINUTES,
                           "ttl_seconds": MAX_TTL_SECONDS });

        let spec = check(&body.to_string()).unwrap();

        assert_eq!(spec.orders.len(), 100);
        assert_eq!(spec.messages, 2000);
        assert_eq!(spec.ttl_seconds, 86_400);
        let too_many = json!({ "orders": vec!["shipped"; MAX_ORDERS + 1] });
        assert!(check(&too_many.to_string()).unwrap_err().contains("at most 100 orders, not 101"));
        let too_long = json!({ "ttl_seconds": MAX_TTL_SECONDS + 1 });
        assert!(check(&too_long.to_string()).unwrap_err().contains("ttl_seconds must be between 1 and 86400"));
    }

    #[test]
    fn the_fixtures_token_is_required_long_and_only_with_the_flag() {
        let good = "0123456789abcdef0123456789abcdef";

        assert!(Token::from_settings(true, Some(good)).is_ok());
        let off = Token::from_settings(false, Some(good)).unwrap_err();
        assert!(off.contains("starts only with APP_TEST_FIXTURES=1"), "{off}");
        for missing in [None, Some("")] {
            let error = Token::from_settings(true, missing).unwrap_err();
            assert!(error.contains("APP_TEST_FIXTURES_TOKEN is not set"), "{error}");
        }
        for bad in [&good[1..], "0123456789abcdef 0123456789abcdef", "0123456789abcdef\t0123456789abcdef"] {
            let error = Token::from_settings(true, Some(bad)).unwrap_err();
            assert!(error.contains("at least 32 visible ASCII characters"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn the_fixtures_token_matches_only_itself_and_never_shows() {
        let token = Token::new("0123456789abcdef0123456789abcdef").unwrap();

        assert!(token.matches("0123456789abcdef0123456789abcdef"));
        for wrong in ["", "0123456789abcdef", "0123456789abcdef0123456789abcdeF", "0123456789abcdef0123456789abcdef0"] {
            assert!(!token.matches(wrong), "{wrong}");
        }
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    }
}
