import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunchOptions } from "./chromium";

// The browser half of `cargo xtask bench` (not a test suite): it starts the server and nginx
// and passes their addresses. One worker, so nothing else runs in the browser while it measures.
const baseURL = process.env.BASE_URL;
if (!baseURL) {
  throw new Error("BASE_URL is not set: run the benchmark with `cargo xtask bench`.");
}

export default defineConfig({
  testDir: "./bench",
  testMatch: /\.bench\.ts$/,
  workers: 1,
  retries: 0,
  timeout: 600_000,
  reporter: [["list"]],
  outputDir: "bench-results",
  use: { ...devices["Desktop Chrome"], baseURL, launchOptions: chromiumLaunchOptions },
});
