import { test, expect, messages, locales, openHydrated } from "./support/fixtures";

for (const locale of locales) {
  const t = messages[locale];

  test(`home page hydrates in ${locale} with the header's sign-in link`, async ({ page }) => {
    await openHydrated(page, `/${locale}`);

    await expect(page.locator("html")).toHaveAttribute("lang", locale);
    await expect(page.getByRole("heading", { level: 1, name: t.home_title })).toBeVisible();
    const account = page.getByRole("navigation", { name: t.account_menu });
    await expect(account.getByRole("link", { name: t.sign_in })).toBeVisible();
  });
}

test("the language switcher changes the page without a reload", async ({ page }) => {
  await openHydrated(page, "/en");
  // A full reload would drop this marker from the window.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

  await page.getByRole("navigation", { name: messages.en.language }).getByRole("link", { name: "Suomi" }).click();

  await expect(page).toHaveURL(/\/fi$/);
  await expect(page.getByRole("heading", { level: 1, name: messages.fi.home_title })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "fi");
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
});

test("a bare address goes to the browser's language", async ({ browser }) => {
  const context = await browser.newContext({ locale: "fi-FI" });
  const page = await context.newPage();

  await page.goto("/");

  await expect(page).toHaveURL(/\/fi$/);
  await context.close();
});
