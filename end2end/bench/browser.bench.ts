// What a first visit to the deactivation page costs the browser (docs/design.md, "Performance budgets"):
// - every response the browser loads for it, with its size raw, gzip -9 and brotli -q 11;
// - the time from navigation start to `<body data-hydrated>`, against the time to the load
//   event of a static page (the same HTML without its scripts, from nginx), interleaved.
// `cargo xtask bench` passes BENCH_SESSION (a signed-in session cookie), BENCH_STATIC_URL,
// BENCH_RUNS and BENCH_OUT (where the JSON result goes).
import { test, expect, type Browser, type Response } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const PAGE = "/en/account/deactivate";

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the benchmark with \`cargo xtask bench\`.`);
  return value;
}

async function signedInPage(browser: Browser, baseURL: string) {
  const context = await browser.newContext();
  await context.addCookies([{ name: "session", value: setting("BENCH_SESSION"), url: baseURL }]);
  const page = await context.newPage();
  // Set at the moment the app marks itself hydrated, on the page's own clock (0 = navigation start).
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.hasAttribute("data-hydrated")) {
        (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
  });
  return { context, page };
}

async function sizes(response: Response) {
  const body = await response.body();
  return {
    url: new URL(response.url()).pathname,
    type: response.request().resourceType(),
    sent_as: (await response.allHeaders())["content-encoding"] ?? "identity",
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

test("first visit to the deactivation page", async ({ browser, baseURL }) => {
  const runs = Number(setting("BENCH_RUNS"));
  const staticUrl = setting("BENCH_STATIC_URL");

  // Bytes: everything a fresh browser loads for the page, the document included.
  const { context, page } = await signedInPage(browser, baseURL!);
  const responses: Response[] = [];
  page.on("response", (response) => responses.push(response));
  await page.goto(PAGE);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.waitForLoadState("networkidle");
  expect(page.url(), "the session is signed in and its password fresh").toContain(PAGE);
  const resources = await Promise.all(responses.filter((r) => r.status() === 200).map(sizes));
  await context.close();

  // Hydration against a static page, each in a fresh context (nothing cached), interleaved.
  const hydratedMs: number[] = [];
  const staticMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const visit = await signedInPage(browser, baseURL!);
    await visit.page.goto(PAGE);
    await expect(visit.page.locator("body")).toHaveAttribute("data-hydrated", "true");
    hydratedMs.push(await visit.page.evaluate(() => (window as unknown as { hydratedAt: number }).hydratedAt));
    await visit.context.close();

    const plain = await browser.newContext();
    const staticPage = await plain.newPage();
    await staticPage.goto(staticUrl, { waitUntil: "load" });
    staticMs.push(
      await staticPage.evaluate(() => {
        const [navigation] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
        return navigation.loadEventStart;
      }),
    );
    await plain.close();
  }

  writeFileSync(setting("BENCH_OUT"), JSON.stringify({ resources, hydrated_ms: hydratedMs, static_ms: staticMs }));
});
