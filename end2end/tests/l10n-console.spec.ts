import fs from "node:fs";
import path from "node:path";
import { expectNoViolations } from "./support/axe";
import { test, expect, messages, locales } from "./support/fixtures";

// The testers' console (issue 16, point 3) in both languages: every key listed, each with its
// texts, checks and the screenshots of this run cropped to its box; the filter by text, page and
// failing check is a plain GET form (the page has no script); axe (WCAG 2.2 AA) on every state.
// Runs after the other specs (its own project in playwright.config.ts), once screenshots.spec.ts
// has written the pictures and their key boxes the server reads.

/** Every key of en.json, a plural's forms one by one, as the console lists them. */
const everyKey = Object.entries(messages.en).flatMap(([key, value]) =>
  typeof value === "string" ? [key] : Object.keys(value).map((form) => `${key}.${form}`),
);

interface KeyBox {
  key: string;
  picture: string;
  box: { x: number; y: number; width: number; height: number };
}

const keysDir = path.join(__dirname, "..", "screenshots", "keys");

/** The boxes screenshots.spec.ts wrote for one width and locale (`1280-en`). */
function boxesOf(part: string): KeyBox[] {
  return JSON.parse(fs.readFileSync(path.join(keysDir, `${part}.json`), "utf8"));
}

/** Every box of this run. */
function allBoxes(): KeyBox[] {
  return fs.readdirSync(keysDir).flatMap((file) => boxesOf(file.replace(/\.json$/, "")));
}

for (const locale of locales) {
  const t = messages[locale];
  const consolePath = `/${locale}/_l10n`;

  test.describe(`the testers' console in ${locale}`, () => {
    test("lists every key with its texts, checks and screenshots, and filters them", async ({ page }) => {
      test.slow(); // a long page, axe three times
      await page.goto(consolePath);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(t.l10n_console_title);
      await expect(page.locator("html")).toHaveAttribute("lang", locale);
      await expect(page.locator("script")).toHaveCount(0);
      const articles = page.locator("article.l10n-key");
      await expect(articles).toHaveCount(everyKey.length);
      const ids = await articles.evaluateAll((all) => all.map((a) => a.id.replace(/^key-/, "")));
      expect(ids.sort()).toEqual([...everyKey].sort());

      // The home page's heading: both languages' texts, six checks passed, and its picture of
      // this run in each language, cropped (viewBox) to the box screenshots.spec.ts recorded.
      const heading = page.locator("#key-home_title");
      await expect(heading.getByText(messages.en.home_title, { exact: true })).toBeVisible();
      await expect(heading.getByText(messages.fi.home_title, { exact: true })).toBeVisible();
      await expect(heading.locator(".l10n-check-passed")).toHaveCount(6);
      const crops = heading.getByRole("img");
      await expect(crops).toHaveCount(2);
      for (const [index, pictured] of ["en", "fi"].entries()) {
        const crop = crops.nth(index);
        const picture = (await crop.getAttribute("data-picture"))!;
        const recorded = boxesOf(`1280-${pictured}`).find((b) => b.key === "home_title" && b.picture === picture);
        expect(recorded, `${picture} has a box of home_title`).toBeDefined();
        const { x, y, width, height } = recorded!.box;
        await expect(crop).toHaveAttribute("viewBox", `${x} ${y} ${width} ${height}`);
        const href = (await crop.locator("image").getAttribute("href"))!;
        const response = await page.request.get(href);
        expect(response.status(), href).toBe(200);
        expect(response.headers()["content-type"]).toBe("image/png");
      }
      // By text, through the form (axe on the whole list of every key outlasts the test).
      await page.getByLabel(t.l10n_console_filter_text, { exact: true }).fill("orders_count");
      await page.getByRole("button", { name: t.l10n_console_filter_apply }).click();
      await expect(page).toHaveURL(new RegExp(`${consolePath}\\?page=&check=&q=orders_count$`));
      await expect(articles).toHaveCount(2);
      await expect(page.locator("#key-orders_count\\.one")).toBeVisible();
      await expectNoViolations(page, `${consolePath} filtered by text`);

      // By page: exactly the keys some picture of the sign-in page shows (any width, any language).
      await page.getByLabel(t.l10n_console_filter_text, { exact: true }).fill("");
      await page.getByLabel(t.l10n_console_filter_page, { exact: true }).selectOption("login");
      await page.getByRole("button", { name: t.l10n_console_filter_apply }).click();
      const onLogin = new Set(allBoxes().filter((b) => b.picture.endsWith("/login.png")).map((b) => b.key));
      const shown = await articles.evaluateAll((all) => all.map((a) => a.id.replace(/^key-/, "")));
      expect(shown.sort()).toEqual(everyKey.filter((key) => onLogin.has(key)).sort());
      expect(shown).toContain("sign_in_title");
      expect(shown).not.toContain("goodbye_title");
      await expectNoViolations(page, `${consolePath} filtered by page`);

      // By failing check: no key fails in a server that was built (the build refuses one).
      await page.getByLabel(t.l10n_console_filter_page, { exact: true }).selectOption("");
      await page.getByLabel(t.l10n_console_filter_check, { exact: true }).selectOption("length");
      await page.getByRole("button", { name: t.l10n_console_filter_apply }).click();
      await expect(page).toHaveURL(new RegExp(`${consolePath}\\?page=&check=length&q=$`));
      await expect(articles).toHaveCount(0);
      await expect(page.getByText(t.l10n_console_none)).toBeVisible();
      await expectNoViolations(page, `${consolePath} with no key left`);
    });
  });
}
