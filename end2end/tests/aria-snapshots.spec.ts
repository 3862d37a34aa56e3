import type { Page } from "@playwright/test";
import { test, expect, messages, locales, openHydrated, type LocaleTag } from "./support/fixtures";
import { createAccount, signIn } from "./support/accounts";
import { accountPages, pathIn, publicPages } from "./support/pages";

// The selector contract for end-to-end suites (README, "For end-to-end suite authors"): the
// accessibility tree of every page of the journey, in both languages, committed in
// end2end/aria-snapshots/<locale>/. A change to a role, an accessible name or the structure
// fails here until the snapshot is updated on purpose
// (`npx playwright test aria-snapshots --update-snapshots=changed`, then review the diff).
// A fixture account's data (its email, address, phone, order numbers, dates) differs from run
// to run: the snapshots match those lines with regular expressions, which an update keeps in
// every file it does not rewrite.

/** The snapshot file of `path` (`/account/settings` -> `en/account-settings.aria.yml`). */
function snapshotName(locale: LocaleTag, path: string, state?: string): string[] {
  const page = path.replace(/\?.*$/, "").replace(/^\//, "").replace(/\//g, "-") || "home";
  return [locale, `${page}${state ? `--${state}` : ""}.aria.yml`];
}

/** Compares the whole page's accessibility tree with its committed snapshot. */
async function expectSnapshot(page: Page, name: string[]) {
  await expect.soft(page.locator("body"), `the accessibility tree of ${name.join("/")}`).toMatchAriaSnapshot({ name });
}

/** The same name in every run, so the header's greeting and the profile match their snapshot. */
const names: Record<LocaleTag, string> = { en: "Alex Example", fi: "Aino Esimerkki" };

for (const locale of locales) {
  const t = messages[locale];

  test.describe(`ARIA snapshots in ${locale}`, () => {
    test("the signed-out pages and the page not found", async ({ page, expectHttpErrors }) => {
      test.slow(); // half a dozen pages, each hydrated
      expectHttpErrors(404);
      for (const path of publicPages) {
        await openHydrated(page, pathIn(locale, path));
        await expectSnapshot(page, snapshotName(locale, path));
      }
      await openHydrated(page, pathIn(locale, "/no-such-page"));
      await expectSnapshot(page, snapshotName(locale, "/not-found"));
    });

    test("the account pages of a buyer and seller with something on every list", async ({ page, request }) => {
      test.slow(); // nine pages, each hydrated
      const account = await createAccount(request, {
        locale,
        name: names[locale],
        orders: ["awaiting_payment", "paid", "shipped", "completed", "cancelled"],
        messages: 4,
        pending_refund: true,
        store: true,
      });
      await signIn(page, account);
      await openHydrated(page, pathIn(locale, "/"));
      await expectSnapshot(page, snapshotName(locale, "/", "signed-in"));
      for (const path of accountPages) {
        await openHydrated(page, pathIn(locale, path));
        await expect(page).toHaveURL(new RegExp(`${pathIn(locale, path)}$`));
        await expectSnapshot(page, snapshotName(locale, path));
      }
    });

    test("the states a page reaches by use: the open profile menu and the form's errors", async ({ page, request }) => {
      const account = await createAccount(request, { locale, name: names[locale] });
      await signIn(page, account);

      await openHydrated(page, pathIn(locale, "/"));
      const menuButton = page.getByRole("button", { name: t.hello_name.replace("{name}", account.name) });
      await menuButton.focus();
      await page.keyboard.press("ArrowDown");
      await expect(page.getByRole("menuitem", { name: t.my_area })).toBeFocused();
      await expectSnapshot(page, snapshotName(locale, "/", "profile-menu-open"));

      await openHydrated(page, pathIn(locale, "/account/deactivate"));
      await page.getByRole("button", { name: t.delete_button }).click();
      await expect(page.getByRole("alert")).toBeFocused();
      await expectSnapshot(page, snapshotName(locale, "/account/deactivate", "errors"));
    });

    test("the data download page, and the testers' console filtered to one key", async ({ page, request }) => {
      const account = await createAccount(request, { locale, name: names[locale] });
      await signIn(page, account);
      await openHydrated(page, pathIn(locale, "/account/settings/data"));
      await expectSnapshot(page, snapshotName(locale, "/account/settings/data"));
      // The console's entry of one key (served without a script: nothing to hydrate). Only the
      // entry: the filter's list of pages comes from the run's screenshots, which may or may not
      // be taken yet; and a key no page shows, so that no picture of them is in its tree.
      await page.goto(pathIn(locale, "/_l10n?q=email_greeting"));
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(t.l10n_console_title);
      const entry = page.getByRole("article", { name: "email_greeting" });
      const name = snapshotName(locale, "/_l10n", "one-key");
      await expect.soft(entry, `the accessibility tree of ${name.join("/")}`).toMatchAriaSnapshot({ name });
    });

    test("the deactivation page asks for the password entered more than ten minutes ago", async ({ page, request, baseURL }) => {
      const account = await createAccount(request, { locale, name: names[locale], password_age_minutes: 15 });
      // The fixture's own session, whose password entry is 15 minutes old (a sign-in would renew it).
      await page.context().addCookies([{ name: "session", value: account.session, url: baseURL! }]);
      await openHydrated(page, pathIn(locale, "/account/deactivate"));
      await expect(page.getByRole("heading", { name: t.confirm_password_title })).toBeVisible();
      await expectSnapshot(page, snapshotName(locale, "/account/deactivate", "password-too-old"));
    });
  });
}
