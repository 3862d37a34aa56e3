-- The marketplace: people, their stores and products, orders, refunds and conversations.
-- Ids are UUIDs so that a sweep for a deleted account's id can never match an unrelated number.
-- Money is integer minor units with an ISO 4217 currency, never floating point.

CREATE TABLE accounts (
    id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text        NOT NULL CHECK (email = btrim(email) AND email <> ''),
    password_hash       text        NOT NULL,
    name                text        NOT NULL,
    country             char(2)     NOT NULL,
    phone               text,
    preferred_locale    text        NOT NULL DEFAULT 'en' CHECK (preferred_locale IN ('en', 'fi')),
    member_since        timestamptz NOT NULL DEFAULT now(),
    -- The deactivation asks for the password again when this is older than ten minutes.
    password_entered_at timestamptz NOT NULL DEFAULT now(),
    -- Set by the deletion: from then on the account cannot sign in and is shown to others as
    -- "Deleted account" until the eraser removes the row.
    deleted_at          timestamptz
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

CREATE TABLE addresses (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id  uuid NOT NULL REFERENCES accounts (id),
    recipient   text NOT NULL,
    street      text NOT NULL,
    city        text NOT NULL,
    postal_code text NOT NULL,
    country     char(2) NOT NULL,
    phone       text
);
CREATE INDEX addresses_account_id_idx ON addresses (account_id);

CREATE TABLE stores (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- NULL once the owner's account has been erased; the store's sales records stay.
    owner_id   uuid        REFERENCES accounts (id),
    name       text        NOT NULL,
    opened_at  timestamptz NOT NULL DEFAULT now(),
    closed_at  timestamptz
);
CREATE UNIQUE INDEX stores_owner_id_key ON stores (owner_id);

CREATE TABLE products (
    id          uuid   PRIMARY KEY DEFAULT gen_random_uuid(),
    store_id    uuid   NOT NULL REFERENCES stores (id),
    title       text   NOT NULL,
    price_minor bigint NOT NULL CHECK (price_minor >= 0),
    currency    char(3) NOT NULL,
    listed      boolean NOT NULL DEFAULT true
);
CREATE INDEX products_store_id_idx ON products (store_id);

CREATE TYPE order_status AS ENUM ('awaiting_payment', 'paid', 'shipped', 'completed', 'cancelled');

CREATE TABLE orders (
    id           uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Short public number shown to people and on receipts.
    number       bigint       GENERATED ALWAYS AS IDENTITY UNIQUE,
    -- NULL once the buyer's account has been erased: the seller keeps its record.
    buyer_id     uuid         REFERENCES accounts (id),
    store_id     uuid         NOT NULL REFERENCES stores (id),
    status       order_status NOT NULL,
    total_minor  bigint       NOT NULL CHECK (total_minor >= 0),
    currency     char(3)      NOT NULL,
    -- A snapshot of where it was sent; erased with the buyer's personal data.
    ship_to_name    text,
    ship_to_address text,
    ship_to_phone   text,
    placed_at    timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX orders_buyer_id_idx ON orders (buyer_id, placed_at DESC);
CREATE INDEX orders_store_id_idx ON orders (store_id, placed_at DESC);

CREATE TABLE order_items (
    id               uuid   PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id         uuid   NOT NULL REFERENCES orders (id),
    -- NULL once the product is gone; the title stays so the record still reads.
    product_id       uuid   REFERENCES products (id),
    title            text   NOT NULL,
    quantity         int    NOT NULL CHECK (quantity > 0),
    unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0)
);
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);

CREATE TYPE refund_status AS ENUM ('pending', 'completed');

CREATE TABLE refunds (
    id           uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id     uuid          NOT NULL REFERENCES orders (id),
    amount_minor bigint        NOT NULL CHECK (amount_minor > 0),
    currency     char(3)       NOT NULL,
    status       refund_status NOT NULL DEFAULT 'pending',
    requested_at timestamptz   NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX refunds_order_id_idx ON refunds (order_id);

CREATE TABLE conversations (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- NULL once the buyer's account has been erased: the store keeps its side.
    buyer_id   uuid        REFERENCES accounts (id),
    store_id   uuid        NOT NULL REFERENCES stores (id),
    subject    text        NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_buyer_id_idx ON conversations (buyer_id);
CREATE INDEX conversations_store_id_idx ON conversations (store_id);

CREATE TABLE messages (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES conversations (id),
    author_id       uuid        NOT NULL REFERENCES accounts (id),
    body            text        NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now()
);
-- (author_id, id) lets the eraser walk one person's messages in batches by key.
CREATE INDEX messages_author_id_idx ON messages (author_id, id);
CREATE INDEX messages_conversation_id_idx ON messages (conversation_id, sent_at);
