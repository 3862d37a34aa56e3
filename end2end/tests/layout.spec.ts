import type { Page } from "@playwright/test";
import { test, expect, locales, openHydrated, type LocaleTag } from "./support/fixtures";
import { pseudoLocales } from "./support/l10n";
import { accountPages, pathIn, publicPages, signInWithData, widths } from "./support/pages";

// Nothing is cut off or runs off the side, in the narrowest phone width and on a desktop, in
// English and in Finnish (which runs about a third longer). A table may scroll inside its
// `.table-wrap`, but the wrapper itself must fit.


/** Everything on the page that overflows: an empty list when the layout holds. */
function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const describe = (el: Element) => {
      const id = el.id ? `#${el.id}` : "";
      const classes = [...el.classList].map((c) => `.${c}`).join("");
      const text = (el.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 40);
      return `<${el.tagName.toLowerCase()}${id}${classes}> "${text}"`;
    };
    const scroller = document.scrollingElement!;
    if (scroller.scrollWidth > scroller.clientWidth) {
      problems.push(`the page scrolls sideways: scrollWidth ${scroller.scrollWidth} > clientWidth ${scroller.clientWidth}`);
    }
    const viewportRight = document.documentElement.clientWidth;
    for (const el of document.body.querySelectorAll("*")) {
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
      const rect = el.getBoundingClientRect();
      // Visually hidden text for screen readers is a clipped 1 px box on purpose.
      if (rect.width <= 1 || rect.height <= 1) continue;
      const insideTable = el.parentElement?.closest(".table-wrap") != null;
      if (!insideTable && rect.right > viewportRight + 1) {
        problems.push(`${describe(el)} reaches past the viewport's right edge: ${Math.round(rect.right)} > ${viewportRight}`);
      }
      // Right to left, the page overflows on the left.
      if (!insideTable && rect.left < -1) {
        problems.push(`${describe(el)} reaches past the viewport's left edge: ${Math.round(rect.left)} < 0`);
      }
      const ownText = [...el.childNodes]
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent)
        .join("")
        .trim();
      if (!ownText) continue;
      const style = getComputedStyle(el);
      const clips = ["hidden", "clip"].includes(style.overflowX) || ["hidden", "clip"].includes(style.overflowY);
      if ((clips || style.textOverflow === "ellipsis") && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${describe(el)} cuts its text off: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
      }
    }
    return problems;
  });
}

// The pseudo-locales too: en-XA runs 40 to 100 % longer than English, ar-XB right to left.
for (const locale of [...locales, ...pseudoLocales.map((p) => p.tag)]) {
  // The account's own language: a pseudo-locale is no account's language.
  const accountLocale: LocaleTag = locale === "fi" ? "fi" : "en";
  for (const width of widths) {
    test(`every page fits ${width} px in ${locale} without overflow or clipped text`, async ({ page, request }) => {
      test.slow(); // a dozen pages, each hydrated
      await page.setViewportSize({ width, height: 800 });
      const check = async (path: string) => {
        await openHydrated(page, pathIn(locale, path));
        expect.soft(await layoutProblems(page), `layout of ${pathIn(locale, path)} at ${width} px`).toEqual([]);
      };
      for (const path of publicPages) {
        await check(path);
      }
      await signInWithData(page, request, accountLocale);
      for (const path of accountPages) {
        await check(path);
      }
    });
  }
}
