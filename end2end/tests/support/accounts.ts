import { execFileSync } from "node:child_process";
import type { APIRequestContext, Page } from "@playwright/test";
import { messages, type LocaleTag } from "./fixtures";

/** What the fixtures API returns: a fresh account of this test's own. */
export interface Account {
  id: string;
  email: string;
  password: string;
  name: string;
  locale: LocaleTag;
  store_id: string | null;
  /** A signed-in session cookie (`session`) of its own, dated by `password_age_minutes`. */
  session: string;
}

export interface AccountOptions {
  locale?: LocaleTag;
  name?: string;
  orders?: ("awaiting_payment" | "paid" | "shipped" | "completed" | "cancelled")[];
  messages?: number;
  pending_refund?: boolean;
  store?: boolean;
  password_age_minutes?: number;
  /** Buy from this store (another fixture account's `store_id`) instead of the shared one. */
  buy_from_store?: string;
}

function origin(): string {
  return new URL(process.env.BASE_URL!).origin;
}

/**
 * The fixtures API's bearer token: `cargo xtask test` starts the server built with the fixtures
 * API with a random APP_TEST_FIXTURES_TOKEN and passes the same value here as FIXTURES_TOKEN.
 */
function fixturesToken(): string {
  const token = process.env.FIXTURES_TOKEN;
  if (!token) {
    throw new Error(
      "FIXTURES_TOKEN is not set: run the suite with `cargo xtask test`, which starts the server with the fixtures API and its token.",
    );
  }
  return token;
}

/**
 * Creates an account through the fixtures API (only in the server built with the
 * `test-fixtures` feature, which `cargo xtask test` starts for this suite).
 */
export async function createAccount(request: APIRequestContext, options: AccountOptions = {}): Promise<Account> {
  const response = await request.post("/test-fixtures/accounts", {
    data: options,
    headers: { Origin: origin(), Authorization: `Bearer ${fixturesToken()}` },
  });
  if (response.status() !== 201) {
    throw new Error(`fixtures API answered ${response.status()}: ${await response.text()}`);
  }
  return (await response.json()) as Account;
}

/** Signs the page's browser context in, the way the sign-in form does, without the detour. */
export async function signIn(page: Page, account: Account) {
  const response = await page.request.post("/api/sign_in", {
    form: { locale: account.locale, email: account.email, password: account.password },
    headers: { Origin: origin() },
  });
  if (!response.ok()) {
    throw new Error(`sign-in answered ${response.status()}: ${await response.text()}`);
  }
}

/**
 * Deletes the account as its owner would: the deactivation's own server function, signed in by
 * the account's session cookie (not the fixtures API's deletion, which leaves out the goodbye
 * email, the reason, the tombstone and the block on the address). `request` keeps no cookie of
 * it: the session goes in this request's header alone.
 */
export async function deactivate(request: APIRequestContext, account: Account) {
  const response = await request.post("/api/deactivate_account", {
    form: { locale: account.locale, email: account.email, phrase: messages[account.locale].deactivate_phrase, reason: "cheated" },
    headers: { Origin: origin(), Cookie: `session=${account.session}` },
  });
  if (response.status() !== 200) {
    throw new Error(`the deactivation answered ${response.status()}: ${await response.text()}`);
  }
}

/** `server staff grant EMAIL` on the suite's database (`cargo xtask test` passes both). */
export function grantStaff(account: Account) {
  const binary = process.env.SERVER_BINARY;
  const databaseUrl = process.env.DATABASE_URL;
  if (!binary || !databaseUrl) {
    throw new Error("SERVER_BINARY and DATABASE_URL are not set: run the suite with `cargo xtask test`.");
  }
  execFileSync(binary, ["staff", "grant", account.email], { env: { ...process.env, DATABASE_URL: databaseUrl } });
}
