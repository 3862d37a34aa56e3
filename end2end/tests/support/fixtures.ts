import { test as base, expect, type Page } from "@playwright/test";
import en from "../../../locales/en.json";
import fi from "../../../locales/fi.json";

/** The locale files the app is built from: tests find elements by the same words users read. */
export const messages = { en, fi } as const;
export type LocaleTag = keyof typeof messages;
export const locales: LocaleTag[] = ["en", "fi"];

/**
 * Every test fails on a console error, an uncaught page error or a hydration warning: the page
 * must be clean, not just look right.
 */
export const test = base.extend<{ problems: string[] }>({
  problems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on("console", (message) => {
        const text = message.text();
        if (message.type() === "error" || /hydrat/i.test(text)) {
          problems.push(`console ${message.type()}: ${text}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      await use(problems);
      expect(problems, "the page logged errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Opens `path` and waits until the wasm has hydrated the page (the app marks `<body>`). */
export async function openHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
