import { test, expect, openHydrated } from "./support/fixtures";
import { accountPages, publicPages, signInWithData } from "./support/pages";
import { pseudoLocales, unbracketedTexts } from "./support/l10n";

// Issue 15, points 1 and 5: the testers' pseudo-locales (served because `cargo xtask test` sets
// APP_PSEUDO_LOCALES=1). Every visible text of every page is a message in ⟦…⟧, or data marked
// `translate="no"` (names, numbers, message bodies): a string written in a component, or a
// sentence glued from pieces, shows as text outside the brackets and fails here.

for (const { tag, dir } of pseudoLocales) {
  test(`in ${tag} every page is ${dir} and every visible text is bracketed`, async ({ page, request }) => {
    test.slow(); // a dozen pages, each hydrated
    const check = async (path: string) => {
      const url = path === "/" ? `/${tag}` : `/${tag}${path}`;
      await openHydrated(page, url);
      await expect(page.locator("html")).toHaveAttribute("lang", tag);
      await expect(page.locator("html")).toHaveAttribute("dir", dir);
      expect.soft(await unbracketedTexts(page), `unbracketed text on ${url}`).toEqual([]);
    };
    for (const path of publicPages) {
      await check(path);
    }
    await signInWithData(page, request, "en");
    for (const path of accountPages) {
      await check(path);
    }
  });
}

test("the language switcher lists the pseudo-locales and leads to the same page in them", async ({ page }) => {
  await openHydrated(page, "/en/login");
  const switcher = page.locator("nav.language-switcher");
  await expect(switcher.locator("a[hreflang]")).toHaveCount(4);
  await switcher.locator('a[hreflang="ar-XB"]').click();
  await expect(page).toHaveURL(/\/ar-XB\/login$/);
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  expect(await unbracketedTexts(page)).toEqual([]);
});
