import { expectNoViolations } from "./support/axe";
import { test, expect, messages, openHydrated } from "./support/fixtures";
import { keepShowKeysAfterTheDeletion, walkJourney } from "./support/pages";
import { pseudoLocales, unbracketedTexts, unkeyedMessages, wrongKeys } from "./support/l10n";

// Issue 15, points 1 and 5: the testers' pseudo-locales (served because `cargo xtask test` sets
// APP_PSEUDO_LOCALES=1). Every visible text of every page is a message in ⟦…⟧, or data marked
// `translate="no"` (names, numbers, message bodies): a string written in a component, or a
// sentence glued from pieces, shows as text outside the brackets and fails here.

for (const { tag, dir } of pseudoLocales) {
  test(`in ${tag} every page through the goodbye page is ${dir}, every visible text is bracketed and every message names its key`, async ({ page, request }) => {
    test.slow(); // a dozen pages, each hydrated, and a deletion
    await walkJourney(page, request, tag, (url) => openHydrated(page, url), async (url) => {
      await expect(page.locator("html")).toHaveAttribute("lang", tag);
      await expect(page.locator("html")).toHaveAttribute("dir", dir);
      expect.soft(await unbracketedTexts(page), `unbracketed text on ${url}`).toEqual([]);
      expect.soft(await unkeyedMessages(page), `messages without data-l10n-key on ${url}`).toEqual([]);
    });
  });
}

test("in show-keys mode every message's data-l10n-key and data-l10n-args give exactly what it shows, after hydration", async ({ page, request }) => {
  test.slow(); // a dozen pages, each hydrated, and a deletion
  await openHydrated(page, "/en?l10n=keys");
  const open = (url: string) => openHydrated(page, url);
  await walkJourney(page, request, "en", open, async (url) => {
    await keepShowKeysAfterTheDeletion(url, open);
    expect.soft(await wrongKeys(page), `keys on ${url}`).toEqual([]);
  });
});

test("the language switcher lists the pseudo-locales and leads to the same page in them", async ({ page }) => {
  await openHydrated(page, "/en/login");
  const switcher = page.locator("nav.language-switcher");
  await expect(switcher.locator("a[hreflang]")).toHaveCount(4);
  await switcher.locator('a[hreflang="ar-XB"]').click();
  await expect(page).toHaveURL(/\/ar-XB\/login$/);
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  expect(await unbracketedTexts(page)).toEqual([]);
});

test("show-keys mode shows keys, on the server and after hydration, until it is switched off", async ({ page }) => {
  await openHydrated(page, "/fi/login?l10n=keys");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("sign_in_title");
  await expect(page.locator("label[for=field-email]")).toHaveText("field_email");
  // Kept by the cookie on the next page, whichever way it is reached.
  await openHydrated(page, "/en/register");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("sign_up_title");
  await openHydrated(page, "/en/register?l10n=off");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(messages.en.sign_up_title);
  await openHydrated(page, "/en/login");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(messages.en.sign_in_title);
});

test("the plural gallery shows every plural message at every count in every locale", async ({ page }, testInfo) => {
  await openHydrated(page, "/fi/l10n/plurals");
  const plurals = Object.entries(messages.en).filter(([, value]) => typeof value !== "string");
  // One row per plural message and locale (English, Finnish and the two pseudo-locales).
  await expect(page.locator("tbody tr")).toHaveCount(plurals.length * 4);
  const cells = (key: string, locale: string) =>
    page.locator("tbody tr").filter({ has: page.locator(`th code:text-is("${key}")`) }).filter({ has: page.locator(`td code:text-is("${locale}")`) }).locator("td[lang]");
  const NBSP = "\u00a0";
  await expect(cells("orders_count", "fi")).toHaveText(
    ["0 tilausta", "1 tilaus", "2 tilausta", "5 tilausta", "21 tilausta", `1${NBSP}000${NBSP}000 tilausta`],
  );
  await expect(cells("orders_count", "en")).toHaveText(["0 orders", "1 order", "2 orders", "5 orders", "21 orders", "1,000,000 orders"]);
  await expect(cells("orders_count", "ar-XB").first()).toHaveAttribute("dir", "rtl");
  await testInfo.attach("plural-gallery", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
});

for (const { tag } of pseudoLocales) {
  test(`in ${tag} every page has no WCAG 2.2 AA violation (axe)`, async ({ page, request }) => {
    test.slow(); // a dozen pages, each hydrated
    await walkJourney(page, request, tag, (url) => openHydrated(page, url), (url) => expectNoViolations(page, url));
  });
}
