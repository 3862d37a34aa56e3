// The deletion journey in both languages, as an outside suite writes it: a fixture account from
// the fixtures API, then only roles and accessible names (the words a person reads).
import { test, expect } from "@playwright/test";
import { createFixture, deleteFixture, expectTheContract, type Fixture } from "./fixtures-api";

const words = {
  en: {
    myArea: "My AliExpress",
    profileSettings: "Profile settings",
    changeSettings: "Change settings",
    editProfile: "Edit profile",
    deactivate: "Deactivate my account",
    confirmTitle: "Confirm your password",
    password: "Password",
    confirm: "Confirm password",
    openOrders: "Open orders",
    refunded: "Cancelled and refunded to your original payment method",
    email: "1. Your account's email address",
    phraseLabel: "2. Type the phrase “deactivate my account”",
    phrase: "deactivate my account",
    reason: "I receive too many emails from AliExpress.com",
    deleteButton: "Delete my account",
    goodbye: "Your account has been deleted",
  },
  fi: {
    myArea: "Oma AliExpress",
    profileSettings: "Profiilin asetukset",
    changeSettings: "Muuta asetuksia",
    editProfile: "Muokkaa profiilia",
    deactivate: "Poista tilini käytöstä",
    confirmTitle: "Vahvista salasanasi",
    password: "Salasana",
    confirm: "Vahvista salasana",
    openOrders: "Keskeneräiset tilaukset",
    refunded: "Perutaan ja hyvitetään alkuperäiselle maksutavalle",
    email: "1. Tilisi sähköpostiosoite",
    phraseLabel: "2. Kirjoita lause ”poista tilini käytöstä”",
    phrase: "poista tilini käytöstä",
    reason: "Saan liikaa sähköpostia AliExpress.comilta",
    deleteButton: "Poista tilini",
    goodbye: "Tilisi on poistettu",
  },
} as const;

for (const locale of ["en", "fi"] as const) {
  const w = words[locale];

  test.describe(`the deletion journey (${locale})`, () => {
    let fixture: Fixture | undefined;

    test.afterEach(async ({ request }) => {
      // Ours to clean up, whatever the test did: 204 while it exists, 404 once it is gone.
      if (fixture) {
        expect([204, 404]).toContain(await deleteFixture(request, fixture));
      }
    });

    test("a buyer whose password is old confirms it and deletes the account", async ({ page, context, request, baseURL }) => {
      const state = {
        locale,
        orders: ["awaiting_payment", "paid", "shipped", "completed"],
        pending_refund: true,
        password_age_minutes: 15,
        ttl_seconds: 600,
      } as const;
      await expectTheContract(request, Object.keys(state) as (keyof typeof state)[]);
      fixture = await createFixture(request, state);
      await context.addCookies([{ name: "session", value: fixture.session, url: baseURL! }]);

      await page.goto(`/${locale}/account`);
      await page.getByRole("navigation", { name: w.myArea }).getByRole("link", { name: w.profileSettings }).click();
      await page.getByRole("link", { name: w.changeSettings }).click();
      await page.getByRole("link", { name: w.editProfile }).click();
      await page.getByRole("link", { name: w.deactivate }).click();

      // The password was entered 15 minutes ago: the page asks for it again first.
      await expect(page.getByRole("heading", { level: 2, name: w.confirmTitle })).toBeVisible();
      await page.getByRole("textbox", { name: w.password, exact: true }).fill(fixture.password);
      await page.getByRole("button", { name: w.confirm }).click();

      // What the deletion will do: the three open orders, two of them refunded.
      await expect(page.getByRole("heading", { level: 3, name: w.openOrders })).toBeVisible();
      await expect(page.getByRole("cell", { name: w.refunded, exact: true })).toHaveCount(2);

      await page.getByRole("textbox", { name: w.email }).fill(fixture.email);
      await page.getByRole("textbox", { name: w.phraseLabel }).fill(w.phrase);
      await page.getByRole("radio", { name: w.reason }).check();
      await page.getByRole("button", { name: w.deleteButton }).click();

      await expect(page.getByRole("heading", { level: 1, name: w.goodbye })).toBeVisible();
      await expect(page).toHaveURL(new RegExp(`/${locale}/goodbye\\?receipt=DA-`));
    });
  });
}
