import { test, expect, messages, locales, openHydrated, type LocaleTag } from "./support/fixtures";
import { createAccount, signIn } from "./support/accounts";
import { theOneMailTo } from "./support/inbox";
import type { Page } from "@playwright/test";

function origin(): string {
  return new URL(process.env.BASE_URL!).origin;
}

/** Fills the four steps of the seed's form. */
async function fillForm(page: Page, locale: LocaleTag, values: { email: string; phrase: string; reason?: string; other?: string }) {
  const t = messages[locale];
  await page.getByLabel(t.step_email).fill(values.email);
  await page.getByLabel(t.step_phrase).fill(values.phrase);
  if (values.reason) {
    await page.getByRole("radio", { name: values.reason }).check();
  }
  if (values.other !== undefined) {
    await page.getByLabel(t.step_other_text, { exact: true }).fill(values.other);
  }
}

for (const locale of locales) {
  const t = messages[locale];

  test.describe(`deactivation in ${locale}`, () => {
    test("the whole path ends on the goodbye page, and the account is gone for good", async ({ page, request, expectHttpErrors }) => {
      // The refused sign-in (401) and sign-up (422) at the end are the point of the test.
      expectHttpErrors(401, 422);
      const account = await createAccount(request, { locale, orders: ["awaiting_payment", "paid", "completed"], messages: 4, pending_refund: true });
      await signIn(page, account);
      await openHydrated(page, `/${locale}/account/settings/profile`);
      await page.getByRole("link", { name: t.deactivate_link }).click();

      await expect(page.getByRole("heading", { level: 2, name: t.warning_title })).toBeVisible();
      await expect(page.getByText(t.consequence_4)).toBeVisible();
      await expect(page.getByRole("heading", { level: 3, name: t.impact_open_orders })).toBeVisible();
      await expect(page.getByText(t.impact_cancel_refund)).toBeVisible();
      await expect(page.getByText(t.impact_messages.other.replace("{count}", "2"))).toBeVisible();

      await fillForm(page, locale, {
        email: `  ${account.email.toUpperCase()} `,
        phrase: t.deactivate_phrase,
        reason: t.reason_other,
        other: "Testing the whole journey",
      });
      await page.getByRole("button", { name: t.delete_button }).click();

      await expect(page).toHaveURL(new RegExp(`/${locale}/goodbye\\?receipt=DA-`));
      await expect(page.getByRole("heading", { level: 1, name: t.goodbye_title })).toBeVisible();
      await expect(page.getByTestId("receipt")).toHaveText(/^DA-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
      const receipt = (await page.getByTestId("receipt").textContent())!;
      await expect(page.getByText(account.email)).toHaveCount(0);
      await expect(page.getByText(account.name)).toHaveCount(0);

      // The old credentials no longer sign in.
      await page.goto(`/${locale}/login`);
      await page.getByLabel(t.field_email).fill(account.email);
      await page.getByLabel(t.field_password).fill(account.password);
      await page.getByRole("button", { name: t.sign_in_submit }).click();
      await expect(page.getByRole("alert")).toContainText(t.error_sign_in_failed);

      // The address can never register again.
      await page.goto(`/${locale}/register`);
      await page.getByLabel(t.field_name).fill("Someone New");
      await page.getByLabel(t.field_email).fill(account.email);
      await page.getByLabel(t.field_password).fill("a brand new password");
      await page.getByLabel(t.field_country).selectOption({ index: 1 });
      await page.getByRole("button", { name: t.sign_up_submit }).click();
      await expect(page.getByRole("alert")).toContainText(t.problem_email_blocked);

      // The goodbye email is in the inbox, once, in the account's language, with the receipt.
      const mail = await theOneMailTo(request, account.email);
      expect(mail.subject).toBe(t.email_deleted_subject);
      expect(mail.text).toContain(t.email_deleted_receipt.replace("{receipt}", receipt));
      expect(mail.text).toContain(t.email_deleted_not_you.replace("{receipt}", receipt));
    });

    test("every field's error appears in the browser in the page's language", async ({ page, request }) => {
      // No request reaches the server here: the browser's own check stops the form.
      const account = await createAccount(request, { locale });
      await signIn(page, account);
      await openHydrated(page, `/${locale}/account/deactivate`);

      await page.getByRole("button", { name: t.delete_button }).click();

      const summary = page.getByRole("alert");
      await expect(summary).toBeFocused();
      await expect(summary.getByRole("link", { name: t.problem_required })).toHaveCount(2);
      await expect(summary.getByRole("link", { name: t.problem_reason_required })).toBeVisible();
      await expect(page.getByLabel(t.step_email)).toHaveAttribute("aria-invalid", "true");

      // As the person types, the messages follow.
      await fillForm(page, locale, { email: "someone.else@example.test", phrase: "delete it", reason: t.reason_other });
      await expect(summary.getByRole("link", { name: t.problem_email_mismatch })).toBeVisible();
      await expect(summary.getByRole("link", { name: t.problem_phrase_mismatch.replace("{phrase}", t.deactivate_phrase) })).toBeVisible();
      await expect(summary.getByRole("link", { name: t.problem_other_text_required })).toBeVisible();

      // A link in the summary takes the focus to its field.
      await summary.getByRole("link", { name: t.problem_email_mismatch }).click();
      await expect(page.getByLabel(t.step_email)).toBeFocused();

      await expect(page).toHaveURL(new RegExp(`/${locale}/account/deactivate`));
    });

    test("the server refuses a bypassed form with the same rules and deletes nothing", async ({ page, request }) => {
      const account = await createAccount(request, { locale });
      await signIn(page, account);

      const response = await page.request.post("/api/deactivate_account", {
        form: { locale, email: "wrong@example.test", phrase: "nope", reason: "no_such_reason", other_text: "" },
        headers: { Origin: origin() },
      });

      expect(response.status()).toBe(422);
      const body = await response.json();
      const problems = Object.fromEntries(body.Invalid.map((p: { field: string; problem: string }) => [p.field, p.problem]));
      expect(problems).toEqual({ email: "EmailMismatch", phrase: "PhraseMismatch", reason: "ReasonUnknown" });
      // Still there: the account page opens.
      await openHydrated(page, `/${locale}/account`);
      await expect(page.getByRole("heading", { level: 1, name: t.my_area })).toBeVisible();
    });
  });
}

for (const locale of locales) {
  const t = messages[locale];

  test(`a seller's deletion closes its store, as its customer sees it (${locale})`, async ({ browser, request }) => {
    const seller = await createAccount(request, { locale, store: true });
    const customer = await createAccount(request, { locale, orders: ["completed"], messages: 2, buy_from_store: seller.store_id! });
    const customerPage = await (await browser.newContext()).newPage();
    await signIn(customerPage, customer);
    await openHydrated(customerPage, `/${locale}/account/orders`);
    const storeCell = customerPage.getByRole("row").nth(1).getByRole("cell").nth(1);
    const storeName = (await storeCell.textContent())!.trim();
    expect(storeName).not.toBe(t.deleted_account);

    const sellerPage = await (await browser.newContext()).newPage();
    await signIn(sellerPage, seller);
    await openHydrated(sellerPage, `/${locale}/account/deactivate`);
    await expect(sellerPage.getByRole("heading", { level: 3, name: t.impact_store })).toBeVisible();
    await fillForm(sellerPage, locale, { email: seller.email, phrase: t.deactivate_phrase, reason: t.reason_leaving_business });
    await sellerPage.getByRole("button", { name: t.delete_button }).click();
    await expect(sellerPage).toHaveURL(new RegExp(`/${locale}/goodbye\\?receipt=DA-`));

    // The customer keeps the order, but the store is closed and shown without its name.
    await customerPage.reload();
    await expect(customerPage.locator("body")).toHaveAttribute("data-hydrated", "true");
    await expect(storeCell).toHaveText(t.deleted_account);
    await expect(customerPage.getByText(storeName)).toHaveCount(0);
    await openHydrated(customerPage, `/${locale}/account/messages`);
    await expect(customerPage.getByText(t.deleted_account).first()).toBeVisible();
  });
}
