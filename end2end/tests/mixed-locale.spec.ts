import type { Page } from "@playwright/test";
import { test, expect, messages, openHydrated } from "./support/fixtures";
import { accountPages, pathIn, publicPages, signInWithData } from "./support/pages";

// Issue 15, point 5: mixed-locale detection. On every Finnish page each visible text is a
// Finnish message (its placeholders filled with anything), a formatted number or date, data
// marked `translate="no"`, or inside an element whose `lang` is not Finnish (the language
// switcher's "English"). An English word written in a component, or an English message shown on
// a Finnish page, fails here.

/** Every text of fi.json as a pattern: the placeholders match any value. */
function finnishPatterns(): RegExp[] {
  const texts = Object.values(messages.fi).flatMap((value) => (typeof value === "string" ? [value] : Object.values(value)));
  return texts.map((text) => {
    const pattern = text
      .split(/\{[a-z_]+\}/)
      .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".+?");
    return new RegExp(`^${pattern}$`, "s");
  });
}

/** The visible texts of the page that are no Finnish message. */
function notFinnish(page: Page, patterns: RegExp[]): Promise<string[]> {
  return page.evaluate((sources) => {
    const patterns = sources.map((source) => new RegExp(source, "s"));
    // A number, an amount, a date or a time as Finnish writes them (format.rs).
    const formatted = /^[\d\u00a0\u2212,.:€ +]+$/;
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement!;
      if (parent.closest('[translate="no"], script, style, noscript, template, textarea')) continue;
      const lang = parent.closest("[lang]")?.getAttribute("lang");
      if (lang && lang !== "fi") continue;
      if (!parent.checkVisibility({ visibilityProperty: true })) continue;
      const text = (node.textContent ?? "").trim();
      if (!/\p{L}/u.test(text) || formatted.test(text)) continue;
      if (!patterns.some((pattern) => pattern.test(text))) {
        found.push(`<${parent.tagName.toLowerCase()}> "${text.slice(0, 60)}"`);
      }
    }
    return found;
  }, patterns.map((pattern) => pattern.source));
}

test("every visible text of every Finnish page is Finnish", async ({ page, request }) => {
  test.slow(); // a dozen pages, each hydrated
  const patterns = finnishPatterns();
  const check = async (path: string) => {
    await openHydrated(page, pathIn("fi", path));
    expect.soft(await notFinnish(page, patterns), `text on ${pathIn("fi", path)} that is no Finnish message`).toEqual([]);
  };
  for (const path of publicPages) {
    await check(path);
  }
  await signInWithData(page, request, "fi");
  for (const path of accountPages) {
    await check(path);
  }
});
