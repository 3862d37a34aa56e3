import { test, expect, messages, locales, openHydrated } from "./support/fixtures";
import { createAccount, signIn } from "./support/accounts";

// My orders and Messages page by key (`?page=after.<key>`, `before.<key>`, `last`): the links
// lead older, to the oldest, newer and back to the first page, in the hydrated app (client-side
// navigation); no-javascript.spec.ts follows the same links as plain page loads.
for (const locale of locales) {
  const t = messages[locale];

  test(`the pager of Messages and My orders leads older, to the last page, newer and back to the first (${locale})`, async ({ page, request }) => {
    // Arrange: 25 messages (the n-th, odd ones from the buyer, a minute after the one before) and 12 orders
    const account = await createAccount(request, { locale, messages: 25, orders: Array(12).fill("completed") });
    await signIn(page, account);
    const message = (n: number) => page.getByText(`Fixture message ${n} from the ${n % 2 ? "buyer" : "store"}`, { exact: true });
    const pager = page.getByRole("navigation", { name: t.pagination });

    // Act and assert: the newest ten, then the ten before them
    await openHydrated(page, `/${locale}/account/messages`);
    await expect(message(25)).toBeVisible();
    await expect(message(16)).toBeVisible();
    await expect(message(15)).toHaveCount(0);
    await expect(pager.getByRole("link", { name: t.page_previous })).toHaveCount(0);
    await pager.getByRole("link", { name: t.page_next }).click();
    await expect(page).toHaveURL(/\?page=after\./);
    await expect(message(15)).toBeVisible();
    await expect(message(6)).toBeVisible();
    await expect(message(16)).toHaveCount(0);

    // The oldest ten: nothing older; newer from there, then the first page again
    await pager.getByRole("link", { name: t.page_last }).click();
    await expect(page).toHaveURL(/\?page=last$/);
    await expect(message(1)).toBeVisible();
    await expect(message(10)).toBeVisible();
    await expect(message(11)).toHaveCount(0);
    await expect(pager.getByRole("link", { name: t.page_next })).toHaveCount(0);
    await pager.getByRole("link", { name: t.page_previous }).click();
    await expect(page).toHaveURL(/\?page=before\./);
    await expect(message(11)).toBeVisible();
    await expect(message(20)).toBeVisible();
    await expect(message(10)).toHaveCount(0);
    await pager.getByRole("link", { name: t.page_first }).click();
    await expect(message(25)).toBeVisible();
    await expect(pager.getByRole("link", { name: t.page_first })).toHaveCount(0);

    // My orders: ten rows, then the other two
    await page.getByRole("navigation", { name: t.my_area }).getByRole("link", { name: t.nav_orders }).click();
    const rows = page.getByRole("table").locator("tbody tr");
    await expect(rows).toHaveCount(10);
    await pager.getByRole("link", { name: t.page_next }).click();
    await expect(rows).toHaveCount(2);
    await expect(pager.getByRole("link", { name: t.page_next })).toHaveCount(0);
  });
}
