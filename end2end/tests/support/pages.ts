import type { APIRequestContext, Page } from "@playwright/test";
import type { LocaleTag } from "./fixtures";
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
