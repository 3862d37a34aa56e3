import type { Page } from "@playwright/test";

/** The testers' pseudo-locales (served because `cargo xtask test` sets APP_PSEUDO_LOCALES=1). */
export const pseudoLocales = [
  { tag: "en-XA", dir: "ltr" },
  { tag: "ar-XB", dir: "rtl" },
] as const;

/** Every visible text outside `⟦…⟧` that is not marked as data: an empty list when all is well. */
export function unbracketedTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement!;
      if (parent.closest('[translate="no"], script, style, noscript, template, textarea, select')) continue;
      if (!parent.checkVisibility({ visibilityProperty: true })) continue;
      // Another language on purpose: the language switcher names each language in itself.
      const lang = parent.closest("[lang]")?.getAttribute("lang");
      if (lang && lang !== document.documentElement.lang) continue;
      // Direction marks and overrides are invisible; what counts is what a reader sees.
      const text = (node.textContent ?? "").replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "").trim();
      if (!/[\p{L}\p{N}]/u.test(text)) continue;
      if (!(text.startsWith("⟦") && text.endsWith("⟧"))) {
        found.push(`<${parent.tagName.toLowerCase()}> "${text.slice(0, 60)}"`);
      }
    }
    return found;
  });
}
