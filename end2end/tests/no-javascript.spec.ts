import { test, expect, messages } from "./support/fixtures";
import { createAccount, signIn } from "./support/accounts";
import { pseudoLocales, unbracketedTexts, unkeyedMessages, wrongKeys } from "./support/l10n";
import { keepShowKeysAfterTheDeletion, walkJourney } from "./support/pages";

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

test("without JavaScript the pager of Messages is plain links: older, last, newer, first", async ({ page, request }) => {
  const t = messages.en;
  const account = await createAccount(request, { locale: "en", messages: 25 });
  await signIn(page, account);
  const message = (n: number) => page.getByText(`Fixture message ${n} from the ${n % 2 ? "buyer" : "store"}`, { exact: true });
  const pager = page.getByRole("navigation", { name: t.pagination });

  await page.goto("/en/account/messages");
  await expect(message(25)).toBeVisible();
  await pager.getByRole("link", { name: t.page_next }).click();
  await expect(page).toHaveURL(/\?page=after\./);
  await expect(message(15)).toBeVisible();
  await expect(message(16)).toHaveCount(0);
  await pager.getByRole("link", { name: t.page_last }).click();
  await expect(message(1)).toBeVisible();
  await expect(pager.getByRole("link", { name: t.page_next })).toHaveCount(0);
  await pager.getByRole("link", { name: t.page_previous }).click();
  await expect(page).toHaveURL(/\?page=before\./);
  await expect(message(11)).toBeVisible();
  await expect(message(10)).toHaveCount(0);
  await pager.getByRole("link", { name: t.page_first }).click();
  await expect(message(25)).toBeVisible();
});

// The pseudo-locales with JavaScript off: the server's HTML alone is bracketed and mirrored, and
// show-keys mode holds from page to page through its cookie.
for (const { tag, dir } of pseudoLocales) {
  test(`without JavaScript every page in ${tag} through the goodbye page is ${dir}, every visible text is bracketed and every message names its key`, async ({ page, request }) => {
    test.slow(); // a dozen pages and a deletion
    await walkJourney(page, request, tag, async (url) => { await page.goto(url); }, async (url) => {
      await expect(page.locator("html")).toHaveAttribute("dir", dir);
      expect.soft(await unbracketedTexts(page), `unbracketed text on ${url}`).toEqual([]);
      expect.soft(await unkeyedMessages(page), `messages without data-l10n-key on ${url}`).toEqual([]);
    });
  });
}

test("without JavaScript, in show-keys mode every message's data-l10n-key and data-l10n-args give exactly what it shows", async ({ page, request }) => {
  test.slow(); // a dozen pages and a deletion
  await page.goto("/en?l10n=keys");
  const open = async (url: string) => { await page.goto(url); };
  await walkJourney(page, request, "en", open, async (url) => {
    await keepShowKeysAfterTheDeletion(url, open);
    expect.soft(await wrongKeys(page), `keys on ${url}`).toEqual([]);
  });
});

test("without JavaScript show-keys mode is kept by its cookie until switched off", async ({ page }) => {
  await page.goto("/fi/login?l10n=keys");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("sign_in_title");
  await page.goto("/fi/register");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("sign_up_title");
  await page.goto("/fi/register?l10n=off");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(messages.fi.sign_up_title);
});
