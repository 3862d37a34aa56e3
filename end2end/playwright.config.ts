import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunchOptions as chromium } from "./chromium";

// `cargo xtask test` starts the real server (with its own fresh database) and passes its address.
const baseURL = process.env.BASE_URL;
if (!baseURL) {
  throw new Error("BASE_URL is not set: run the suite with `cargo xtask test`, which starts the server.");
}

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 2 : undefined,
  timeout: 30_000,
  // A missing snapshot fails rather than being written: the committed ones are a contract
  // (tests/aria-snapshots.spec.ts). `--update-snapshots=changed` on the command line writes them.
  updateSnapshots: "none",
  // `deep-equal`: a new element fails too, not only a changed or missing one.
  // 15 s rather than 5 for an expectation to come true: on a loaded 2-core machine a response
  // once took over 5 s to reach the page. A passing expectation never waits for it.
  expect: { timeout: 15_000, toMatchAriaSnapshot: { pathTemplate: "aria-snapshots/{arg}{ext}", children: "deep-equal" } },
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      testIgnore: [/no-javascript\.spec\.ts/, /l10n-(console|report)\.spec\.ts/],
      use: { ...devices["Desktop Chrome"], launchOptions: chromium },
    },
    {
      // The testers' console and the problem report show the screenshots screenshots.spec.ts
      // takes (in the project above), so they run after it.
      name: "chromium-l10n",
      testMatch: /l10n-(console|report)\.spec\.ts/,
      dependencies: ["chromium"],
      outputDir: "test-results-l10n",
      use: { ...devices["Desktop Chrome"], launchOptions: chromium, acceptDownloads: true },
    },
    {
      // Progressive enhancement: the same server, a browser that runs no script at all.
      name: "chromium-no-javascript",
      testMatch: /no-javascript\.spec\.ts/,
      // Its own folder: Playwright empties a project's output folder when the project starts,
      // which must not take the other project's traces with it.
      outputDir: "test-results-no-javascript",
      use: { ...devices["Desktop Chrome"], launchOptions: chromium, javaScriptEnabled: false },
    },
  ],
});
