import { test, expect, messages } from "./support/fixtures";
import { createAccount, signIn } from "./support/accounts";
import { pseudoLocales, unbracketedTexts } from "./support/l10n";
import { accountPages, publicPages, signInWithData } from "./support/pages";

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

// The pseudo-locales with JavaScript off: the server's HTML alone is bracketed and mirrored, and
// show-keys mode holds from page to page through its cookie.
for (const { tag, dir } of pseudoLocales) {
  test(`without JavaScript every page in ${tag} is ${dir} and every visible text is bracketed`, async ({ page, request }) => {
    test.slow(); // a dozen pages
    const check = async (path: string) => {
      const url = path === "/" ? `/${tag}` : `/${tag}${path}`;
      await page.goto(url);
      await expect(page.locator("html")).toHaveAttribute("dir", dir);
      expect.soft(await unbracketedTexts(page), `unbracketed text on ${url}`).toEqual([]);
    };
    for (const path of publicPages) {
      await check(path);
    }
    await signInWithData(page, request, "en");
    for (const path of accountPages) {
      await check(path);
    }
  });
}

test("without JavaScript show-keys mode is kept by its cookie until switched off", async ({ page }) => {
  await page.goto("/fi/login?l10n=keys");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("sign_in_title");
  await page.goto("/fi/register");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("sign_up_title");
  await page.goto("/fi/register?l10n=off");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(messages.fi.sign_up_title);
});
