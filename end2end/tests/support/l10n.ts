import type { Page } from "@playwright/test";
import { messages } from "./fixtures";

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

/**
 * Every visible message text that no element with `data-l10n-key` holds (where testers are
 * served, app/src/message.rs gives each message one). In a pseudo-locale a message is bracketed
 * text with a letter in it; bracketed numbers and dates are values, not messages.
 */
export function unkeyedMessages(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement!;
      if (parent.closest('[translate="no"], script, style, noscript, template, textarea')) continue;
      if (parent.tagName !== "OPTION" && !parent.checkVisibility({ visibilityProperty: true })) continue;
      const text = (node.textContent ?? "").replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "").trim();
      if (!(text.startsWith("⟦") && /\p{L}/u.test(text))) continue;
      // The switcher names the pseudo-locales by their tags, which are no messages.
      if (parent.closest("[hreflang]")?.getAttribute("hreflang") === text.slice(1, -1)) continue;
      if (!parent.closest("[data-l10n-key]")) found.push(`<${parent.tagName.toLowerCase()}> "${text.slice(0, 60)}"`);
    }
    return found;
  });
}

/**
 * In show-keys mode each message shows as its key and arguments (`orders_count.other(count=5)`).
 * Returns every element whose `data-l10n-key` and `data-l10n-args` do not give exactly what it
 * shows, and every visible text naming a key that no such element holds: an empty list when
 * every message names its key and arguments truly.
 */
export function wrongKeys(page: Page): Promise<string[]> {
  return page.evaluate((english: Record<string, string | Record<string, string>>) => {
    const template = (key: string) => {
      const [name, form] = key.split(".");
      const message = english[name];
      return typeof message === "string" ? (form ? undefined : message) : form ? message?.[form] : undefined;
    };
    const shown = (key: string, args: Record<string, string>) => {
      const names = [...new Set([...(template(key) ?? "").matchAll(/\{(\w+)\}/g)].map((m) => m[1]))];
      return names.length ? `${key}(${names.map((n) => `${n}=${args[n]}`).join(", ")})` : key;
    };
    const found: string[] = [];
    for (const element of document.querySelectorAll<HTMLElement>("[data-l10n-key]")) {
      const key = element.dataset.l10nKey!;
      const args = JSON.parse(element.dataset.l10nArgs ?? "{}");
      if (template(key) === undefined) found.push(`data-l10n-key="${key}" is no key of en.json`);
      else if (element.textContent !== shown(key, args)) found.push(`"${element.textContent}" carries ${shown(key, args)}`);
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = (node.textContent ?? "").trim();
      const key = /^([a-z0-9_]+(?:\.[a-z]+)?)(?:\(.*\))?$/.exec(text)?.[1];
      if (key && template(key) !== undefined && !node.parentElement!.closest("[data-l10n-key]")) {
        found.push(`"${text}" names a key but carries none`);
      }
    }
    return found;
  }, messages.en as Record<string, string | Record<string, string>>);
}
