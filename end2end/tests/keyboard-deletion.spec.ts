import type { Locator, Page } from "@playwright/test";
import { test, expect, messages, locales, openHydrated } from "./support/fixtures";
import { signInWithData } from "./support/pages";

// The whole deletion with the keyboard alone, from Edit profile to the goodbye page, with a
// visible focus ring on every control the Tab key reaches.
for (const locale of locales) {
  const t = messages[locale];
  // English presses the button with Space, Finnish with Enter: both must work.
  const pressKey = locale === "en" ? "Space" : "Enter";

  test(`the deletion by keyboard alone in ${locale}, the button pressed with ${pressKey}`, async ({ page, request }) => {
    const account = await signInWithData(page, request, locale);
    await openHydrated(page, `/${locale}/account/settings/profile`);
    await expect(page.getByRole("heading", { level: 1, name: t.edit_profile })).toBeVisible();

    await tabTo(page, page.getByRole("link", { name: t.deactivate_link }));
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(new RegExp(`/${locale}/account/deactivate$`));
    await expect(page.getByRole("heading", { level: 1, name: t.deactivate_title })).toBeVisible();

    await tabTo(page, page.getByLabel(t.step_email));
    await page.keyboard.type(account.email);
    await tabTo(page, page.getByLabel(t.step_phrase));
    await page.keyboard.type(t.deactivate_phrase);

    // Tab enters the group of radios on its first option; the arrow keys move and choose.
    const reasons = page.getByRole("group", { name: t.step_reason });
    await tabTo(page, reasons.getByRole("radio", { name: t.reason_registered_by_mistake }));
    const chosen = reasons.getByRole("radio", { name: t.reason_cheated });
    for (let i = 0; i < 9 && !(await chosen.isChecked()); i++) {
      await page.keyboard.press("ArrowDown");
      await expectFocusRing(page);
    }
    await expect(chosen).toBeChecked();
    await expect(chosen).toBeFocused();
    await page.keyboard.press("ArrowUp");
    await expect(reasons.getByRole("radio", { name: t.reason_leaving_business })).toBeChecked();
    await page.keyboard.press("ArrowDown");
    await expect(chosen).toBeChecked();

    await tabTo(page, page.getByRole("button", { name: t.delete_button }));
    await page.keyboard.press(pressKey);

    await expect(page).toHaveURL(new RegExp(`/${locale}/goodbye\\?receipt=DA-`));
    await expect(page.getByRole("heading", { level: 1, name: t.goodbye_title })).toBeVisible();
    await expect(page.getByTestId("receipt")).toHaveText(/^DA-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
  });
}

/** The focused element shows a focus ring: its outline is not 'none'. */
async function expectFocusRing(page: Page) {
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return { what: el.outerHTML.slice(0, 120), outline: getComputedStyle(el).outlineStyle };
  });
  if (focused) {
    expect(focused.outline, `the focused ${focused.what} shows a focus ring`).not.toBe("none");
  }
}

/** Presses Tab until `target` has the focus (at most 40 times), every stop showing its focus ring. */
async function tabTo(page: Page, target: Locator) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    await expectFocusRing(page);
    if (await target.evaluate((el) => el === document.activeElement)) {
      return;
    }
  }
  throw new Error(`Tab never reached ${target}`);
}
