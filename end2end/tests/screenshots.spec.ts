import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { test, expect, locales, openHydrated, type LocaleTag } from "./support/fixtures";
import { accountPages, pathIn, publicPages, signInWithData, widths } from "./support/pages";

// Full-page pictures of every page, for a person to look over: English and Finnish side by side
// in screenshots/index.html (the folder is git-ignored). Runs with the rest of the suite.
const root = path.join(__dirname, "..", "screenshots");

const allPages = [...publicPages, ...accountPages];

/** `/account/settings/change` -> `account-settings-change`; `/` -> `home`; no query string. */
function fileName(page: string) {
  return (page.split("?")[0].replace(/^\//, "").replace(/\//g, "-") || "home") + ".png";
}

function shotPath(width: number, locale: LocaleTag, page: string) {
  return path.join(root, String(width), locale, fileName(page));
}

function escape(text: string) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function indexHtml() {
  const sections = allPages.flatMap((page) =>
    widths.map((width) => {
      const figures = locales
        .map((locale) => {
          const src = `${width}/${locale}/${fileName(page)}`;
          const caption = `${pathIn(locale, page)} at ${width} px (${locale === "en" ? "English" : "Finnish"})`;
          return `      <figure>\n        <a href="${escape(src)}"><img src="${escape(src)}" alt="${escape(caption)}" loading="lazy"></a>\n        <figcaption>${escape(caption)}</figcaption>\n      </figure>`;
        })
        .join("\n");
      return `    <section>\n      <h2>${escape(page)} at ${width} px</h2>\n      <div class="pair">\n${figures}\n      </div>\n    </section>`;
    }),
  );
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Deactivate: screenshots, English and Finnish side by side</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 1rem; background: #f4f4f4; }
      .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; align-items: start; }
      figure { margin: 0; background: #fff; padding: 0.5rem; }
      img { max-width: 100%; border: 1px solid #ccc; }
      figcaption { font-size: 0.9rem; padding-top: 0.25rem; }
    </style>
  </head>
  <body>
    <h1>Deactivate: every page, English and Finnish side by side</h1>
${sections.join("\n")}
  </body>
</html>
`;
}

test.describe("screenshots", { tag: "@screenshots" }, () => {
  for (const locale of locales) {
    for (const width of widths) {
      test(`every page at ${width} px in ${locale}`, async ({ page, request }) => {
        test.slow(); // a dozen pages, each hydrated
        const started = Date.now();
        await page.setViewportSize({ width, height: 800 });
        const shoot = async (pagePath: string) => {
          await openHydrated(page, pathIn(locale, pagePath));
          const file = shotPath(width, locale, pagePath);
          await page.screenshot({ path: file, fullPage: true });
          const written = fs.statSync(file);
          expect(written.size, `${file} was written`).toBeGreaterThan(0);
          expect(written.mtimeMs, `${file} is from this run`).toBeGreaterThanOrEqual(started - 1000);
        };
        for (const pagePath of publicPages) {
          await shoot(pagePath);
        }
        await signInWithData(page, request, locale);
        for (const pagePath of accountPages) {
          await shoot(pagePath);
        }
      });
    }
  }

  test("index.html shows English and Finnish side by side for every page and width", async () => {
    fs.mkdirSync(root, { recursive: true });
    const file = path.join(root, "index.html");
    fs.writeFileSync(file, indexHtml());
    const html = fs.readFileSync(file, "utf8");
    for (const page of allPages) {
      for (const width of widths) {
        for (const locale of locales) {
          expect(html).toContain(`src="${width}/${locale}/${fileName(page)}"`);
        }
      }
    }
  });
});
