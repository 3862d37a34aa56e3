import fs from "node:fs";
import path from "node:path";
import type { Download, Page } from "@playwright/test";
import { test, expect, messages, openHydrated } from "./support/fixtures";
import { decodePng } from "./support/picture";

// Report a problem (issue 16, point 4): where testers are served, Alt+click on a text, or
// Alt+Shift+R on a selected text or a focused control, downloads a Markdown report with the
// key, its arguments, the locale, the address and the key's screenshot of this run cropped to
// its box. Runs after screenshots.spec.ts (the l10n project in playwright.config.ts).

const keysDir = path.join(__dirname, "..", "screenshots", "keys");

/** The box screenshots.spec.ts recorded for `key` on `picture`. */
function recordedBox(key: string, picture: string) {
  const boxes: { key: string; picture: string; box: { width: number; height: number } }[] = fs
    .readdirSync(keysDir)
    .flatMap((file) => JSON.parse(fs.readFileSync(path.join(keysDir, file), "utf8")));
  return boxes.find((b) => b.key === key && b.picture === picture)?.box;
}

async function reportOf(download: Promise<Download>) {
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^l10n-report-[a-z_0-9.]+\.md$/);
  return fs.readFileSync(await file.path(), "utf8");
}

/** The report's JSON block, and its screenshot decoded. */
function parse(report: string) {
  const json = JSON.parse(report.split("```json\n")[1].split("\n```")[0]);
  const png = /!\[[^\]]*\]\(data:image\/png;base64,([A-Za-z0-9+/=]+)\)/.exec(report)?.[1];
  return { json, picture: png ? decodePng(Buffer.from(png, "base64")) : null };
}

async function expectReportedScreenshot(report: string, key: string, locale: string) {
  const { json, picture } = parse(report);
  expect(json.screenshot, "the report names the screenshot it crops").not.toBeNull();
  expect(json.screenshot.picture).toMatch(new RegExp(`^1280/${locale}/`));
  const box = recordedBox(key, json.screenshot.picture);
  expect(box, `${json.screenshot.picture} has a box of ${key}`).toBeDefined();
  expect(picture, "the report embeds the crop").not.toBeNull();
  expect([picture!.width, picture!.height]).toEqual([box!.width, box!.height]);
}

async function pressReportShortcut(page: Page) {
  await page.keyboard.press("Alt+Shift+KeyR");
}

test.describe("report a localization problem", () => {
  test("Alt+click on a text downloads its report, with the screenshot cropped to its box", async ({ page }) => {
    await openHydrated(page, "/en/login");
    const heading = page.getByRole("heading", { level: 1 });
    const download = page.waitForEvent("download");
    await heading.click({ modifiers: ["Alt"] });
    const report = await reportOf(download);
    expect(report).toContain("- Key: `sign_in_title`");
    expect(report).toContain("- Locale: `en`");
    expect(report).toContain(`- Page: ${page.url()}`);
    expect(report).toContain(`- Shown text: ${JSON.stringify(messages.en.sign_in_title)}`);
    const { json } = parse(report);
    expect(json).toMatchObject({ key: "sign_in_title", locale: "en", url: page.url(), text: messages.en.sign_in_title });
    expect(json.console).toMatch(/\/en\/_l10n\?q=sign_in_title$/);
    await expectReportedScreenshot(report, "sign_in_title", "en");
  });

  test("Alt+click on a link reports it instead of following it, with the message's arguments", async ({ page }) => {
    await openHydrated(page, "/fi");
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: messages.fi.join, exact: true }).click({ modifiers: ["Alt"] });
    const report = await reportOf(download);
    await expect(page).toHaveURL(/\/fi$/);
    expect(report).toContain("- Key: `join`");
    expect(report).toContain("- Locale: `fi`");
    await expectReportedScreenshot(report, "join", "fi");
  });

  test("Alt+Shift+R reports the focused control, in a pseudo-locale and in show-keys mode", async ({ page }) => {
    await openHydrated(page, "/en-XA/login");
    await page.locator("main form button[type=submit]").focus();
    let download = page.waitForEvent("download");
    await pressReportShortcut(page);
    let report = await reportOf(download);
    expect(report).toContain("- Key: `sign_in_submit`");
    expect(report).toContain("- Locale: `en-XA`");
    // A pseudo-locale has no pictures of its own: the English one.
    await expectReportedScreenshot(report, "sign_in_submit", "en");

    // A selected text, with its arguments, in show-keys mode.
    await openHydrated(page, "/en?l10n=keys");
    const count = page.locator('[data-l10n-key^="home_catalogue."]');
    await expect(count).toBeVisible();
    await count.selectText();
    download = page.waitForEvent("download");
    await pressReportShortcut(page);
    report = await reportOf(download);
    const { json } = parse(report);
    expect(json.key).toMatch(/^home_catalogue\.(one|other)$/);
    expect(Object.keys(json.arguments)).toEqual(["count"]);
    expect(json.text).toContain(json.key);
  });
});
