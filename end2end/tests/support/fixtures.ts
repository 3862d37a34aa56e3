import fs from "node:fs";
import { test as base, expect, type Page } from "@playwright/test";
import en from "../../../locales/en.json";
import fi from "../../../locales/fi.json";

/** The locale files the app is built from: tests find elements by the same words users read. */
export const messages = { en, fi } as const;
export type LocaleTag = keyof typeof messages;
export const locales: LocaleTag[] = ["en", "fi"];

interface ServerLog {
  /**
   * The `x-request-id` every request of this test's browser context sends; the server writes it
   * on each log line of those requests. When the test fails, the server log's lines that name it
   * are attached to the report (`SERVER_LOG`: the log's path, set by `cargo xtask test`).
   */
  requestId: string;
}

interface PageChecks {
  /** HTTP statuses this test provokes on purpose (a refused sign-in is a 401). */
  expectedStatuses: Set<number>;
  /** Allows the console error Chromium logs for each of these statuses, and nothing else. */
  expectHttpErrors: (...statuses: number[]) => void;
  /** What the page logged that it should not have; the test fails unless it stays empty. */
  problems: string[];
}

/**
 * Every test fails on a console error, an uncaught page error or a hydration warning: the page
 * must be clean, not just look right.
 */
export const test = base.extend<PageChecks & ServerLog>({
  requestId: [
    async ({ context }, use, testInfo) => {
      const id = `e2e-${testInfo.testId}-${testInfo.retry}`;
      await context.setExtraHTTPHeaders({ "x-request-id": id });
      await use(id);
      const log = process.env.SERVER_LOG;
      if (testInfo.status !== testInfo.expectedStatus && log && fs.existsSync(log)) {
        const lines = fs
          .readFileSync(log, "utf8")
          .split("\n")
          .filter((line) => line.includes(`id=${id} `) || line.endsWith(`id=${id}`));
        const body = lines.length > 0 ? lines.join("\n") : `no line of ${log} names ${id}`;
        await testInfo.attach("server log", { body, contentType: "text/plain" });
      }
    },
    { auto: true },
  ],
  expectedStatuses: async ({}, use) => {
    await use(new Set());
  },
  expectHttpErrors: async ({ expectedStatuses }, use) => {
    await use((...statuses) => statuses.forEach((status) => expectedStatuses.add(status)));
  },
  problems: [
    async ({ page, expectedStatuses }, use) => {
      const problems: string[] = [];
      page.on("console", (message) => {
        const text = message.text();
        const status = /the server responded with a status of (\d+)/.exec(text)?.[1];
        if (status && expectedStatuses.has(Number(status))) {
          return;
        }
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
