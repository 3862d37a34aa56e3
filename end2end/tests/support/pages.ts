import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { messages, type LocaleTag } from "./fixtures";
import { createAccount, signIn, type Account } from "./accounts";

/** Every page a visitor can reach without signing in (the goodbye page with a sample receipt). */
export const publicPages = ["/", "/login", "/register", "/goodbye?receipt=DA-1A2B-3C4D-5E6F"];

/** Every page of the signed-in area. */
export const accountPages = [
  "/account",
  "/account/orders",
  "/account/messages",
  "/account/settings",
  "/account/settings/change",
  "/account/settings/profile",
  "/account/settings/password",
  "/account/deactivate",
];

/** The two widths every page must work at: the narrowest phone and a desktop. */
export const widths = [320, 1280];

/** `page` (such as `/account`) in `locale`. */
/** `locale`: a language or a pseudo-locale (`en-XA`). */
export function pathIn(locale: string, page: string) {
  return page === "/" ? `/${locale}` : `/${locale}${page}`;
}

/** A signed-in account with something on every list, so every page shows all it can. */
export async function signInWithData(page: Page, request: APIRequestContext, locale: LocaleTag): Promise<Account> {
  const account = await createAccount(request, {
    locale,
    orders: ["awaiting_payment", "paid", "shipped", "completed", "cancelled"],
    messages: 6,
    pending_refund: true,
    store: true,
  });
  await signIn(page, account);
  return account;
}

/**
 * The whole journey in `locale`, as a localization tester walks it: every public page, then
 * signed in every page of the account area, ending on the deactivation form, which it fills and
 * sends through to the goodbye page. `open` loads a page (hydrated, or plain without JavaScript);
 * `check` runs on each page once it is there, the goodbye page included.
 */
export async function walkJourney(
  page: Page,
  request: APIRequestContext,
  locale: string,
  open: (url: string) => Promise<void>,
  check: (url: string) => Promise<void>,
) {
  const visit = async (path: string) => {
    const url = pathIn(locale, path);
    await open(url);
    await check(url);
  };
  for (const path of publicPages) {
    await visit(path);
  }
  const account = await signInWithData(page, request, "en");
  for (const path of accountPages) {
    await visit(path);
  }
  // The labels are in `locale`; the fields are found by name. The English phrase is accepted in
  // every locale.
  await expect(page).toHaveURL(new RegExp(`/${locale}/account/deactivate$`));
  const form = page.locator("form.deactivation-form");
  await form.locator('input[name="email"]').fill(account.email);
  await form.locator('input[name="phrase"]').fill(messages.en.deactivate_phrase);
  await form.locator('input[name="reason"][value="cheated"]').check();
  await form.locator('button[type="submit"]').click();
  await expect(page).toHaveURL(new RegExp(`/${locale}/goodbye\\?receipt=DA-`));
  await check(page.url());
}

/**
 * The deletion clears every cookie of the site (`Clear-Site-Data`), show-keys mode's too, so the
 * goodbye page it lands on is asked for in show-keys mode again, as a tester would.
 */
export async function keepShowKeysAfterTheDeletion(url: string, open: (url: string) => Promise<void>) {
  if (url.includes("/goodbye?receipt=") && !url.includes("l10n=keys")) {
    await open(`${url}&l10n=keys`);
  }
}
