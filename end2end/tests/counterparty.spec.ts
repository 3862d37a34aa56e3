import { test, expect, messages, locales, openHydrated } from "./support/fixtures";
import { createAccount, deactivate, signIn } from "./support/accounts";

// The server under test runs without its eraser, so the deleted buyer's rows are all still in
// the database: what is hidden here is hidden by the pages, from the moment of the deletion.
for (const locale of locales) {
  const t = messages[locale];

  test(`in ${locale}, a seller sees nothing of a buyer who deleted the account`, async ({ page, request }) => {
    // Arrange: a seller and a buyer who talk (the buyer writes the odd messages)
    const seller = await createAccount(request, { locale, store: true });
    const buyer = await createAccount(request, { locale, buy_from_store: seller.store_id!, messages: 4, orders: ["completed"] });
    await signIn(page, seller);
    await openHydrated(page, `/${locale}/account/messages`);
    await expect(page.getByText("Fixture message 1 from the buyer")).toBeVisible();

    // Act: the buyer deletes the account
    await deactivate(request, buyer);

    // Assert: the seller's messages show the placeholder, never the buyer's words or name
    await openHydrated(page, `/${locale}/account/messages`);
    await expect(page.getByText("Fixture message 2 from the store")).toBeVisible();
    await expect(page.getByText(t.message_body_deleted).first()).toBeVisible();
    await expect(page.getByText(t.message_subject_deleted).first()).toBeVisible();
    await expect(page.getByText(t.deleted_account).first()).toBeVisible();
    await expect(page.getByText(/from the buyer/)).toHaveCount(0);
    await expect(page.getByText(buyer.name)).toHaveCount(0);
    await expect(page.getByText("Fixture conversation")).toHaveCount(0);
  });
}
