import { defineConfig, devices } from "@playwright/test";

// The server under test: any Deactivate server built with the fixtures API. `cargo xtask test`
// passes the address of the one it starts, and its fixtures token (FIXTURES_TOKEN).
const baseURL = process.env.BASE_URL;
if (!baseURL) {
  throw new Error("BASE_URL is not set: the address of a Deactivate server built with the fixtures API.");
}

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // One worker per language: each test is a few seconds.
  workers: 2,
  timeout: 30_000,
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  use: { baseURL, trace: "retain-on-failure" },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        // A browser of the machine's own (Debian's Chromium), not one Playwright downloads.
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          // Without the network flags Chromium keeps calling home, which a closed network answers slowly.
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
});
