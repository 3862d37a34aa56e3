import { test, expect, messages } from "./support/fixtures";
import { createAccount, signIn } from "./support/accounts";

// Progressive enhancement: with JavaScript off (the `chromium-no-javascript` project in
// playwright.config.ts) the form is a plain POST to the same server function, its errors come
// back after the reload, and the deletion works.
test("this project runs without JavaScript: the page is never hydrated", async ({ page }) => {
  await page.goto("/en");
  await page.waitForLoadState("networkidle");
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
});

for (const locale of ["en", "fi"] as const) {
  const t = messages[locale];

  test(`without JavaScript the form shows its errors and then deletes (${locale})`, async ({ page, request }) => {
    const account = await createAccount(request, { locale, orders: ["paid"] });
    await signIn(page, account);
    await page.goto(`/${locale}/account/deactivate`);

    await page.getByLabel(t.step_email).fill(account.email);
    await page.getByLabel(t.step_phrase).fill("not the phrase");
    await page.getByRole("radio", { name: t.reason_cheated }).check();
    await page.getByRole("button", { name: t.delete_button }).click();

    const summary = page.getByRole("alert");
    await expect(summary.getByRole("link", { name: t.problem_phrase_mismatch.replace("{phrase}", t.deactivate_phrase) })).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`/${locale}/account/deactivate`));

    await page.getByLabel(t.step_email).fill(account.email);
    await page.getByLabel(t.step_phrase).fill(t.deactivate_phrase);
    await page.getByRole("radio", { name: t.reason_cheated }).check();
    await page.getByRole("button", { name: t.delete_button }).click();

    await expect(page).toHaveURL(new RegExp(`/${locale}/goodbye\\?receipt=DA-`));
    await expect(page.getByRole("heading", { level: 1, name: t.goodbye_title })).toBeVisible();
    await page.goto(`/${locale}/account`);
    await expect(page).toHaveURL(new RegExp(`/${locale}/login\\?next=`));
  });
}
