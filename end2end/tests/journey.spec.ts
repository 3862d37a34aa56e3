import { test, expect, messages, locales, openHydrated } from "./support/fixtures";
import { createAccount, signIn } from "./support/accounts";

// The seed's path: profile menu -> My AliExpress -> Profile settings -> Change settings ->
// Edit profile -> "Deactivate my account", by mouse and by keyboard, in both languages.
for (const locale of locales) {
  const t = messages[locale];

  test.describe(`the path to deactivation in ${locale}`, () => {
    test("by mouse", async ({ page, request }) => {
      const account = await createAccount(request, { locale, orders: ["paid", "completed"], messages: 3 });
      await signIn(page, account);
      await openHydrated(page, `/${locale}`);

      const menuButton = page.getByRole("button", { name: t.hello_name.replace("{name}", account.name) });
      await menuButton.hover();
      await expect(menuButton).toHaveAttribute("aria-expanded", "true");
      await page.getByRole("menuitem", { name: t.my_area }).click();
      await expect(page.getByRole("heading", { level: 1, name: t.my_area })).toBeVisible();

      await page.getByRole("navigation", { name: t.my_area }).getByRole("link", { name: t.nav_profile_settings }).click();
      await expect(page.getByRole("heading", { level: 1, name: t.nav_profile_settings })).toBeVisible();
      await page.getByRole("navigation", { name: t.nav_profile_settings }).getByRole("link", { name: t.change_settings }).click();
      await expect(page.getByRole("heading", { level: 2, name: t.personal_information })).toBeVisible();
      await page.getByRole("link", { name: t.edit_profile }).click();
      await expect(page.getByRole("heading", { level: 1, name: t.edit_profile })).toBeVisible();
      await expect(page.getByText(account.email)).toBeVisible();

      await page.getByRole("link", { name: t.deactivate_link }).click();
      await expect(page).toHaveURL(new RegExp(`/${locale}/account/deactivate$`));
      await expect(page.getByRole("heading", { level: 1, name: t.deactivate_title })).toBeVisible();
    });

    test("by keyboard alone", async ({ page, request }) => {
      const account = await createAccount(request, { locale });
      await signIn(page, account);
      await openHydrated(page, `/${locale}`);

      const menuButton = page.getByRole("button", { name: t.hello_name.replace("{name}", account.name) });
      await menuButton.focus();
      await page.keyboard.press("Escape");
      await expect(menuButton).toHaveAttribute("aria-expanded", "false");
      await page.keyboard.press("ArrowDown");
      await expect(page.getByRole("menuitem", { name: t.my_area })).toBeFocused();
      await page.keyboard.press("ArrowUp");
      await expect(page.getByRole("menuitem", { name: t.sign_out })).toBeFocused();
      await page.keyboard.press("Home");
      await page.keyboard.press("Enter");
      await expect(page.getByRole("heading", { level: 1, name: t.my_area })).toBeVisible();

      await tabTo(page, page.getByRole("link", { name: t.nav_profile_settings }));
      await page.keyboard.press("Enter");
      await expect(page.getByRole("heading", { level: 1, name: t.nav_profile_settings })).toBeVisible();
      await tabTo(page, page.getByRole("link", { name: t.change_settings }));
      await page.keyboard.press("Enter");
      await tabTo(page, page.getByRole("link", { name: t.edit_profile }));
      await page.keyboard.press("Enter");
      await expect(page.getByRole("heading", { level: 1, name: t.edit_profile })).toBeVisible();
      await tabTo(page, page.getByRole("link", { name: t.deactivate_link }));
      await page.keyboard.press("Enter");
      await expect(page.getByRole("heading", { level: 1, name: t.deactivate_title })).toBeVisible();
    });
  });
}

test("a signed-out visitor is sent to sign in and brought back", async ({ page, request }) => {
  const account = await createAccount(request, { locale: "fi" });
  await openHydrated(page, "/fi/account/settings/profile");
  await expect(page).toHaveURL(/\/fi\/login\?next=/);

  await page.getByLabel(messages.fi.field_email).fill(account.email);
  await page.getByLabel(messages.fi.field_password).fill(account.password);
  await page.getByRole("button", { name: messages.fi.sign_in_submit }).click();

  await expect(page).toHaveURL(/\/fi\/account\/settings\/profile$/);
  await expect(page.getByRole("heading", { level: 1, name: messages.fi.edit_profile })).toBeVisible();
});

/** Presses Tab until `target` has the focus (at most 40 times), checking focus stays visible. */
async function tabTo(page: import("@playwright/test").Page, target: import("@playwright/test").Locator) {
  for (let i = 0; i < 40; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) {
      const outline = await target.evaluate((el) => getComputedStyle(el).outlineStyle);
      expect(outline, "the focused element shows a focus ring").not.toBe("none");
      return;
    }
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}
