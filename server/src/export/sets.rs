//! What the data export reads: each data set's statement, read in batches by key from the
//! export's snapshot. The format they make is docs/export.md; change both together.
//!
//! Every statement takes `$1` the account, `$2`/`$3` the key of the last row read (as text:
//! a time and an id; the first batch starts from [`Part::first_key`]) and `$4` the most rows,
//! and answers `(key time, key id, row)`, the row a JSON object as text (NULL: nothing to
//! write, a join that found no row). Each reads its rows in the order of an index, so that a
//! batch costs the same at the end of a million messages as at the start.

/// One statement of a data set.
pub struct Part {
    pub sql: &'static str,
    /// The key before the first row: `(time, id)`.
    pub first_key: (&'static str, &'static str),
}

/// One data set: a member of `data.json` and a file `csv/{name}.csv`.
pub struct Set {
    pub name: &'static str,
    /// At most one row, written in `data.json` as an object (or `null`) instead of a list.
    pub single: bool,
    /// The CSV's columns: members of each row's object, in this order.
    pub columns: &'static [&'static str],
    /// Read one after the other into the same list.
    pub parts: &'static [Part],
}

const FROM_THE_START: (&str, &str) = ("-infinity", "");
const FIRST_UUID: (&str, &str) = ("-infinity", "00000000-0000-0000-0000-000000000000");
const FIRST_NUMBER: (&str, &str) = ("-infinity", "-9223372036854775808");

/// An item of an order `o` (`i`), in `orders` and in `order_items`.
macro_rules! item_object {
    () => {
        "json_build_object('order_number', o.number, 'title', i.title, 'quantity', i.quantity,
                           'unit_price_minor', i.unit_price_minor)"
    };
}

/// A refund of an order `o` (`r`), in `orders` and in `refunds`.
macro_rules! refund_object {
    () => {
        "json_build_object('order_number', o.number, 'amount_minor', r.amount_minor, 'currency', r.currency,
                           'status', r.status, 'requested_at', r.requested_at, 'completed_at', r.completed_at)"
    };
}

/// A batch of the person's orders (`orders_buyer_id_idx`, in its order), as `o`, joined with
/// `$join` (one row per item or refund, or one row of NULLs for an order without any).
macro_rules! orders_batch_with {
    ($object:expr, $join:literal) => {
        concat!(
            "WITH o AS (SELECT id, number, placed_at FROM orders
                         WHERE buyer_id = $1 AND (placed_at, number) > ($2::timestamptz, $3::bigint)
                         ORDER BY placed_at, number LIMIT $4)
             SELECT o.placed_at::text, o.number::text, ",
            $object,
            "::text FROM o ",
            $join,
        )
    };
}

pub const PROFILE: Set = Set {
    name: "profile",
    single: true,
    columns: &["name", "email", "country", "phone", "preferred_locale", "member_since"],
    parts: &[Part {
        sql: "SELECT '', '', json_build_object('name', name, 'email', email, 'country', country, 'phone', phone,
                                               'preferred_locale', preferred_locale, 'member_since', member_since)::text
                FROM accounts WHERE id = $1",
        first_key: FROM_THE_START,
    }],
};

pub const ADDRESSES: Set = Set {
    name: "addresses",
    single: false,
    columns: &["address_id", "recipient", "street", "city", "postal_code", "country", "phone"],
    parts: &[Part {
        sql: "SELECT '', id::text, json_build_object('address_id', id, 'recipient', recipient, 'street', street,
                                                     'city', city, 'postal_code', postal_code, 'country', country,
                                                     'phone', phone)::text
                FROM addresses WHERE account_id = $1 AND id > $3::uuid ORDER BY id LIMIT $4",
        first_key: FIRST_UUID,
    }],
};

/// In `data.json` each order holds its items and refunds; the CSV has them in files of their own.
pub const ORDERS: Set = Set {
    name: "orders",
    single: false,
    columns: &[
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
    parts: &[Part {
        sql: concat!(
            "SELECT o.placed_at::text, o.number::text, json_build_object(
                 'order_number', o.number, 'status', o.status, 'store', s.name, 'total_minor', o.total_minor,
                 'currency', o.currency, 'ship_to_name', o.ship_to_name, 'ship_to_address', o.ship_to_address,
                 'ship_to_phone', o.ship_to_phone, 'placed_at', o.placed_at,
                 'items', (SELECT coalesce(json_agg(",
            item_object!(),
            " ORDER BY i.id), '[]') FROM order_items i WHERE i.order_id = o.id),
                 'refunds', (SELECT coalesce(json_agg(",
            refund_object!(),
            " ORDER BY r.requested_at, r.id), '[]') FROM refunds r WHERE r.order_id = o.id))::text
               FROM orders o JOIN stores s ON s.id = o.store_id
              WHERE o.buyer_id = $1 AND (o.placed_at, o.number) > ($2::timestamptz, $3::bigint)
              ORDER BY o.placed_at, o.number LIMIT $4"
        ),
        first_key: FIRST_NUMBER,
    }],
};

pub const ORDER_ITEMS: Set = Set {
    name: "order_items",
    single: false,
    columns: &["order_number", "title", "quantity", "unit_price_minor"],
    parts: &[Part {
        sql: orders_batch_with!(
            concat!("CASE WHEN i.id IS NOT NULL THEN ", item_object!(), " END"),
            "LEFT JOIN order_items i ON i.order_id = o.id ORDER BY o.placed_at, o.number, i.id"
        ),
        first_key: FIRST_NUMBER,
    }],
};

pub const REFUNDS: Set = Set {
    name: "refunds",
    single: false,
    columns: &["order_number", "amount_minor", "currency", "status", "requested_at", "completed_at"],
    parts: &[Part {
        sql: orders_batch_with!(
            concat!("CASE WHEN r.id IS NOT NULL THEN ", refund_object!(), " END"),
            "LEFT JOIN refunds r ON r.order_id = o.id ORDER BY o.placed_at, o.number, r.requested_at, r.id"
        ),
        first_key: FIRST_NUMBER,
    }],
};

/// A conversation `c` of the store `s`, with its buyer `b` (NULL once erased). Whatever a
/// deleted account wrote is left out, as on the site (the subject is the buyer's).
macro_rules! conversation_row {
    ($role:literal, $where:literal) => {
        concat!(
            "SELECT c.started_at::text, c.id::text, json_build_object(
                 'conversation_id', c.id, 'role', '",
            $role,
            "', 'store', s.name,
                 'subject', CASE WHEN b.deleted_at IS NULL THEN c.subject END, 'started_at', c.started_at)::text
               FROM conversations c JOIN stores s ON s.id = c.store_id LEFT JOIN accounts b ON b.id = c.buyer_id
              WHERE ",
            $where,
            " AND (c.started_at, c.id) > ($2::timestamptz, $3::uuid)
              ORDER BY c.started_at, c.id LIMIT $4"
        )
    };
}

/// As the buyer, then as the store's owner (a conversation with one's own store only once).
pub const CONVERSATIONS: Set = Set {
    name: "conversations",
    single: false,
    columns: &["conversation_id", "role", "store", "subject", "started_at"],
    parts: &[
        Part { sql: conversation_row!("buyer", "c.buyer_id = $1"), first_key: FIRST_UUID },
        Part {
            sql: conversation_row!(
                "seller",
                "c.store_id = (SELECT id FROM stores WHERE owner_id = $1) AND c.buyer_id IS DISTINCT FROM $1"
            ),
            first_key: FIRST_UUID,
        },
    ],
};

/// The messages `m` of the person's conversations, both sides, each side through its index in
/// key order (`messages_buyer_id_idx`, `messages_store_id_idx`: migration 0012).
macro_rules! message_row {
    ($where:literal) => {
        concat!(
            "SELECT m.sent_at::text, m.id::text, json_build_object(
                 'message_id', m.id, 'conversation_id', m.conversation_id, 'from_me', m.author_id = $1,
                 'body', CASE WHEN a.deleted_at IS NULL THEN m.body END, 'sent_at', m.sent_at)::text
               FROM messages m JOIN accounts a ON a.id = m.author_id
              WHERE ",
            $where,
            " AND (m.sent_at, m.id) > ($2::timestamptz, $3::bigint)
              ORDER BY m.sent_at, m.id LIMIT $4"
        )
    };
}

pub const MESSAGES: Set = Set {
    name: "messages",
    single: false,
    columns: &["message_id", "conversation_id", "from_me", "body", "sent_at"],
    parts: &[
        Part { sql: message_row!("m.buyer_id = $1"), first_key: FIRST_NUMBER },
        Part {
            sql: message_row!(
                "m.store_id = (SELECT id FROM stores WHERE owner_id = $1) AND m.buyer_id IS DISTINCT FROM $1"
            ),
            first_key: FIRST_NUMBER,
        },
    ],
};

pub const STORE: Set = Set {
    name: "store",
    single: true,
    columns: &["store_id", "name", "opened_at", "closed_at"],
    parts: &[Part {
        sql: "SELECT '', '', json_build_object('store_id', id, 'name', name, 'opened_at', opened_at,
                                               'closed_at', closed_at)::text
                FROM stores WHERE owner_id = $1",
        first_key: FROM_THE_START,
    }],
};

pub const PRODUCTS: Set = Set {
    name: "products",
    single: false,
    columns: &["product_id", "title", "price_minor", "currency", "listed"],
    parts: &[Part {
        sql: "SELECT '', p.id::text, json_build_object('product_id', p.id, 'title', p.title,
                                                       'price_minor', p.price_minor, 'currency', p.currency,
                                                       'listed', p.listed)::text
                FROM products p JOIN stores s ON s.id = p.store_id
               WHERE s.owner_id = $1 AND p.id > $3::uuid ORDER BY p.id LIMIT $4",
        first_key: FIRST_UUID,
    }],
};

/// The members of `data.json`, in order.
pub const JSON_MEMBERS: [&Set; 7] = [&PROFILE, &ADDRESSES, &ORDERS, &CONVERSATIONS, &MESSAGES, &STORE, &PRODUCTS];

/// The files of `csv/`, in order.
pub const CSV_FILES: [&Set; 9] =
    [&PROFILE, &ADDRESSES, &ORDERS, &ORDER_ITEMS, &REFUNDS, &CONVERSATIONS, &MESSAGES, &STORE, &PRODUCTS];
