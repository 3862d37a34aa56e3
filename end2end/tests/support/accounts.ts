import type { APIRequestContext, Page } from "@playwright/test";
import type { LocaleTag } from "./fixtures";

/** What the fixtures API returns: a fresh account of this test's own. */
export interface Account {
  id: string;
  email: string;
  password: string;
  name: string;
  locale: LocaleTag;
  store_id: string | null;
  /** A `session` cookie's value, signed in as the account (see `password_age_minutes`). */
  session: string;
}

export interface AccountOptions {
  locale?: LocaleTag;
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
