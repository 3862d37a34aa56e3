import { expectNoViolations } from "./support/axe";
import fs from "node:fs";
import { test, expect, messages, locales, openHydrated } from "./support/fixtures";
import { createAccount, grantStaff, signIn, type Account } from "./support/accounts";

// The staff's reason statistics (issue 17) in both languages: a customer finds nothing there,
// a staff member (granted the role by the server binary's own `server staff grant`, as in
// production) reads the chart and the table, changes the period and the filters, downloads the
// CSV and, with a stale password, confirms it first. axe (WCAG 2.2 AA) on every state.

for (const locale of locales) {
  const t = messages[locale];
  const reasons = `/${locale}/staff/reasons`;

  test.describe(`staff statistics in ${locale}`, () => {
    test("a customer gets the page that is not found", async ({ page, request, expectHttpErrors }) => {
      expectHttpErrors(404);
      await signIn(page, await createAccount(request, { locale }));
      const response = await page.goto(reasons);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(t.not_found_title);
      await expect(page.getByText(t.staff_reasons_title)).toHaveCount(0);
    });

    test("a staff member reads, filters and downloads the statistics", async ({ page, request }) => {
      test.slow(); // several hydrated pages and axe on each
      const account = await createAccount(request, { locale });
      grantStaff(account);
      await signIn(page, account);
      await openHydrated(page, reasons);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(t.staff_reasons_title);
      await expect(page.getByRole("img", { name: t.staff_chart_title })).toBeVisible();
      const weekly = page.getByRole("table", { name: t.staff_table_caption });
      await expect(weekly.locator("tbody tr")).toHaveCount(12);
      await expect(page.getByRole("columnheader", { name: t.staff_summary_share, exact: true })).toBeVisible();
      await expectNoViolations(page, reasons);

      await page.getByLabel(t.staff_filter_weeks, { exact: true }).selectOption("4");
      await page.getByLabel(t.staff_filter_locale, { exact: true }).selectOption("fi");
      await page.getByLabel(t.staff_filter_role, { exact: true }).selectOption("seller");
      await page.getByRole("button", { name: t.staff_filter_apply }).click();
      await expect(page).toHaveURL(new RegExp(`${reasons}\\?weeks=4&locale=fi&role=seller$`));
      await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
      await expect(weekly.locator("tbody tr")).toHaveCount(4);
      await expect(page.getByLabel(t.staff_filter_weeks, { exact: true })).toHaveValue("4");
      await expectNoViolations(page, `${reasons} for four weeks of Finnish sellers`);

      const download = page.waitForEvent("download");
      await page.getByRole("link", { name: t.staff_download_csv }).click();
      const csv = fs.readFileSync(await (await download).path(), "utf8").trimEnd().split("\r\n");
      expect(csv).toHaveLength(1 + 4);
      expect(csv[0].startsWith(`"${t.staff_table_week}",`)).toBe(true);
      expect(csv[0].endsWith(`,"${t.staff_table_total_shown}"`)).toBe(true);
    });

    test("a staff member whose password is not recent confirms it first", async ({ page, request }) => {
      const account = await createAccount(request, { locale, password_age_minutes: 15 });
      grantStaff(account);
      const session = (account as Account & { session: string }).session;
      await page.context().addCookies([{ name: "session", value: session, url: process.env.BASE_URL! }]);
      await openHydrated(page, reasons);
      await expect(page.getByRole("heading", { name: t.confirm_password_title })).toBeVisible();
      await expect(page.getByText(t.staff_password_intro)).toBeVisible();
      await expect(page.getByRole("img", { name: t.staff_chart_title })).toHaveCount(0);
      await expectNoViolations(page, `${reasons} asking for the password`);
      await page.getByLabel(t.field_password, { exact: true }).fill(account.password);
      await page.getByRole("button", { name: t.confirm_password_submit }).click();
      await expect(page.getByRole("img", { name: t.staff_chart_title })).toBeVisible();
    });

    test("the week labels of the chart never overlap and stay readable, at every period and 320 px wide", async ({
      page,
      request,
    }) => {
      const account = await createAccount(request, { locale });
      grantStaff(account);
      await signIn(page, account);
      for (const width of [320, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        for (const weeks of [4, 12, 52]) {
          const where = `${weeks} weeks at ${width} px`;
          await page.goto(`${reasons}?weeks=${weeks}`);
          const chart = page.locator("svg.reasons-chart");
          await chart.scrollIntoViewIfNeeded();
          const { labels, plot } = await chart.evaluate((svg) => {
            const box = svg.getBoundingClientRect();
            return {
              plot: { left: box.left, right: box.right },
              labels: [...svg.querySelectorAll("text.week-label")].map((text) => {
                const r = text.getBoundingClientRect();
                // The size the label is drawn at: its font size in the chart's units, scaled.
                const scale = (text as SVGGraphicsElement).getScreenCTM()?.a ?? 0;
                return {
                  text: text.textContent,
                  left: r.left,
                  right: r.right,
                  px: parseFloat(getComputedStyle(text).fontSize) * scale,
                };
              }),
            };
          });
          // Every week when they fit (4 and 12 weeks), at least one a quarter of the year.
          expect(labels.length, where).toBeGreaterThanOrEqual(weeks === 52 ? 8 : weeks);
          for (const label of labels) {
            expect(label.px, `${where}: ${label.text} is drawn at ${label.px} px`).toBeGreaterThanOrEqual(10);
            expect(label.left, `${where}: ${label.text} is cut off`).toBeGreaterThanOrEqual(plot.left);
            expect(label.right, `${where}: ${label.text} is cut off`).toBeLessThanOrEqual(plot.right);
          }
          for (const [before, after] of labels.slice(0, -1).map((label, i) => [label, labels[i + 1]])) {
            expect(after.left - before.right, `${where}: ${before.text} and ${after.text} overlap`).toBeGreaterThanOrEqual(
              2,
            );
          }
        }
      }
      // On the narrow screen the chart scrolls inside its figure, which the keyboard can reach.
      await page.setViewportSize({ width: 320, height: 900 });
      const figure = page.locator("figure.chart");
      expect(await figure.evaluate((f) => f.scrollWidth > f.clientWidth)).toBe(true);
      await expect(figure).toHaveAttribute("tabindex", "0");
      await expectNoViolations(page, `${reasons}?weeks=52 at 320 px`);
    });
  });
}
