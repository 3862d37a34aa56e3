import { expectNoViolations } from "./support/axe";
import { test, expect, messages, locales, openHydrated, type LocaleTag } from "./support/fixtures";
import { accountPages, pathIn, publicPages, signInWithData } from "./support/pages";

// axe-core against WCAG 2.2 AA on every page in both languages, and on the states a page only
// reaches by use: the deactivation form with its errors, and the open profile menu. The pages of
// one test share a browser context, so the wasm is fetched and compiled once per test.

for (const locale of locales) {
  const t = messages[locale];

  test.describe(`accessibility in ${locale}`, () => {
    test("the signed-out pages have no WCAG 2.2 AA violations", async ({ page }) => {
      test.slow(); // a dozen pages, each hydrated
      for (const path of publicPages) {
        await openHydrated(page, pathIn(locale, path));
        await expectNoViolations(page, pathIn(locale, path));
      }
    });

    // One signed-in context for the account pages and the two states, so the wasm is compiled once.
    test("the account pages, the form with its errors and the open profile menu have no violations", async ({ page, request }) => {
      test.slow(); // a dozen pages, each hydrated
      const account = await signInWithData(page, request, locale);
      for (const path of accountPages) {
        await openHydrated(page, pathIn(locale, path));
        await expect(page).toHaveURL(new RegExp(`${pathIn(locale, path)}$`));
        await expectNoViolations(page, pathIn(locale, path));
      }

      await test.step("the deactivation form with its errors showing", async () => {
        // The loop above ends on the deactivation page.
        await expect(page).toHaveURL(new RegExp(`/${locale}/account/deactivate$`));
        await page.getByRole("button", { name: t.delete_button }).click();
        const summary = page.getByRole("alert");
        await expect(summary).toBeFocused();
        await expect(summary.getByRole("link", { name: t.problem_reason_required })).toBeVisible();
        await expect(page.getByLabel(t.step_email)).toHaveAttribute("aria-invalid", "true");
        await expectNoViolations(page, `/${locale}/account/deactivate with its errors`);
      });

      await test.step("the profile menu open", async () => {
        await openHydrated(page, `/${locale}`);
        const menuButton = page.getByRole("button", { name: t.hello_name.replace("{name}", account.name) });
        await menuButton.focus();
        await page.keyboard.press("ArrowDown");
        await expect(menuButton).toHaveAttribute("aria-expanded", "true");
        await expect(page.getByRole("menuitem", { name: t.my_area })).toBeFocused();
        await expectNoViolations(page, `/${locale} with the profile menu open`);
      });
    });
  });
}
