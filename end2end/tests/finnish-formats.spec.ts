import type { Browser, Page } from "@playwright/test";
import { test, expect, messages, openHydrated } from "./support/fixtures";
import { createAccount, signIn } from "./support/accounts";

// Issue 15, point 4: Finnish numbers, money, dates and times exactly as CLDR writes them
// (thousands grouped with U+00A0, the decimal comma, U+00A0 before €, d.M.yyyy, H.mm), and the
// server's HTML and the hydrated page showing the very same characters.

const fi = messages.fi;
const NBSP = "\u00a0";

/** The characters of a text by name, so that a wrong space or minus shows in a failure. */
function spelled(text: string): string {
  return [...text].map((c) => (/[!-~]/.test(c) ? c : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`)).join(" ");
}

/** The same page with JavaScript off, signed in as `page` is: what the server's HTML says. */
async function serverRendered(browser: Browser, page: Page, path: string): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const html = await context.newPage();
  await html.goto(path);
  return html;
}

/** The texts of `selector` in the server's HTML and in the hydrated page: they must be equal. */
async function bothTexts(browser: Browser, page: Page, path: string, selector: string): Promise<string[]> {
  await openHydrated(page, path);
  const hydrated = await page.locator(selector).allInnerTexts();
  const html = await serverRendered(browser, page, path);
  const server = await html.locator(selector).allInnerTexts();
  await html.context().close();
  expect(hydrated.map(spelled), `${path} ${selector}: the hydrated page shows what the server sent`).toEqual(server.map(spelled));
  expect(hydrated.length, `${path} shows ${selector}`).toBeGreaterThan(0);
  return hydrated;
}

/** `days` days before `now`, as Finnish writes the day (UTC, as the server dates orders). */
function finnishDate(now: Date, days: number): string {
  const day = new Date(now.getTime() - days * 86_400_000);
  return `${day.getUTCDate()}.${day.getUTCMonth() + 1}.${day.getUTCFullYear()}`;
}

test("Finnish money, dates, times and counts are exact and the same before and after hydration", async ({ page, browser, request }) => {
  const now = new Date();
  // The fixtures' products cost 5,99, 24,90, 42,00 and 15,00 €; every second order is of two.
  const account = await createAccount(request, {
    locale: "fi",
    orders: ["awaiting_payment", "paid", "shipped", "completed", "cancelled"],
    // The person writes every second message: 1 000 of them, past the overview's cap of 999.
    messages: 2000,
  });
  await signIn(page, account);

  const totals = await bothTexts(browser, page, "/fi/account/orders", "td.numeric");
  expect(totals.map(spelled).sort()).toEqual(
    ["5,99", "49,80", "42,00", "30,00", "5,99"].map((amount) => spelled(`${amount}${NBSP}€`)).sort(),
  );

  const dates = await bothTexts(browser, page, "/fi/account/orders", "td:nth-child(3)");
  expect(dates.sort()).toEqual([1, 2, 3, 4, 5].map((days) => finnishDate(now, days)).sort());

  const sent = await bothTexts(browser, page, "/fi/account/messages", ".message-meta");
  for (const meta of sent) {
    // "30.11.2026 klo 13.05 UTC": the message_sent_at of fi.json around a d.M.yyyy and an H.mm.
    const pattern = fi.message_sent_at.replace("{date}", "\\d{1,2}\\.\\d{1,2}\\.\\d{4}").replace("{time}", "([01]?\\d|2[0-3])\\.[0-5]\\d");
    expect(meta).toMatch(new RegExp(`${pattern}$`));
  }

  const counts = await bothTexts(browser, page, "/fi/account", ".stats li");
  expect(counts.map(spelled)).toContain(spelled(fi.messages_count.other.replace("{count}", "999+")));
});
