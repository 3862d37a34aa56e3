import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext, Page } from "@playwright/test";
import { test, expect, locales, messages, openHydrated, type LocaleTag } from "./support/fixtures";
import { createAccount, deactivate, grantStaff, type Account, type AccountOptions } from "./support/accounts";
import { accountPages, pathIn, publicPages, signInWithData, widths } from "./support/pages";
import { coloursOf, decodePng, type Picture } from "./support/picture";

// Full-page pictures of every page, for a person to look over: English and Finnish side by side
// in screenshots/index.html (the folder is git-ignored). Runs with the rest of the suite, and
// fails on a picture a broken page would give: blank, or without the page's own main heading,
// drawn at a heading's size inside the picture.
//
// Key-linked (issue 16, points 1 and 2): pictures of the states a page can be in (the profile
// menu open, each form with its errors, the password prompt) as well, and for each picture the
// box of every element showing a message, by its `data-l10n-key`: screenshots/keys/<width>-<locale>.json.
// `cargo xtask test` joins these into screenshots/keys.json (key -> pictures and boxes) and
// prints the share of keys seen (xtask/src/l10n/shots.rs).
const root = path.join(__dirname, "..", "screenshots");

const allPages = [...publicPages, ...accountPages];

/** The window's height for every width: the pictures are of the whole page. */
const windowHeight = 800;

type Words = (typeof messages)["en"];
/** The keys of plain strings (not plural forms). */
type MessageKey = { [K in keyof Words]: Words[K] extends string ? K : never }[keyof Words];

/** The words of each page's one `<h1>`. */
const mainHeading: Record<string, MessageKey> = {
  "/": "home_title",
  "/login": "sign_in_title",
  "/register": "sign_up_title",
  "/goodbye?receipt=DA-1A2B-3C4D-5E6F": "goodbye_title",
  "/account": "my_area",
  "/account/orders": "nav_orders",
  "/account/messages": "nav_messages",
  "/account/settings": "nav_profile_settings",
  "/account/settings/change": "change_settings",
  "/account/settings/profile": "edit_profile",
  "/account/settings/password": "change_password",
  "/account/deactivate": "deactivate_title",
};

/**
 * A blank picture has one colour; an unstyled error page is a few lines of text on white, well
 * under 1% of the pixels. Every page here has a white header and white cards on a grey ground.
 */
const MIN_COLOURS = 16;
const MIN_NOT_BACKGROUND = 0.01;
/** Bold heading text covers about a fifth of its line box; nothing drawn covers none. */
const MIN_HEADING_INK = 0.05;

/**
 * The page's main heading: one `<h1>`, visible, with the page's own words. Returns where it is
 * (in document coordinates, as the full-page picture has them) and its font size, for
 * `checkPicture`.
 */
async function checkMainHeading(page: Page, locale: LocaleTag, pagePath: string) {
  const key = mainHeading[pagePath];
  expect(key, `${pagePath} is in the table of main headings`).toBeDefined();
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading, `${pagePath}: one main heading`).toHaveCount(1);
  await expect(heading, `${pagePath}: the main heading is visible`).toBeVisible();
  await expect(heading, `${pagePath}: the page's own main heading`).toHaveText(messages[locale][key]);
  // In document coordinates, as the full-page picture is; the text's own extent as well as the
  // block's (a block is as wide as its column, its words may take a tenth of that).
  return heading.evaluate((element) => {
    const style = getComputedStyle(element);
    const fontSize = parseFloat(style.fontSize);
    const lineHeight = parseFloat(style.lineHeight) || fontSize * 1.2;
    const toDocument = (r: DOMRect) => ({
      x: r.x + window.scrollX,
      y: r.y + window.scrollY,
      width: r.width,
      height: r.height,
    });
    const range = document.createRange();
    range.selectNodeContents(element);
    return {
      box: toDocument(element.getBoundingClientRect()),
      text: toDocument(range.getBoundingClientRect()),
      fontSize,
      lineHeight,
      devicePixelRatio: window.devicePixelRatio,
    };
  });
}

type Heading = Awaited<ReturnType<typeof checkMainHeading>>;

/**
 * The picture is not blank (more than a few colours, more than 1% of it off its background),
 * and the main heading is in it: in a heading's font size (20-48 px, not body text), 16 px or
 * more high and at most four lines, wholly inside the picture and within its first screen (the
 * window, before any scrolling), its letters drawn there.
 */
function checkPicture(file: string, picture: Picture, width: number, heading: Heading) {
  const scale = heading.devicePixelRatio;
  expect(picture.width, `${file} is as wide as the page`).toBeGreaterThanOrEqual(Math.floor(width * scale));
  expect(picture.height, `${file} is at least as high as the window`).toBeGreaterThanOrEqual(
    Math.floor(windowHeight * scale),
  );

  const whole = coloursOf(picture);
  expect(whole.distinct, `${file} is not blank: its colours`).toBeGreaterThan(MIN_COLOURS);
  expect(whole.notBackground, `${file} is not blank: the share of pixels off its background`).toBeGreaterThan(
    MIN_NOT_BACKGROUND,
  );

  const { box, text, fontSize, lineHeight } = heading;
  expect(fontSize, `${file}: the main heading's font size, in px`).toBeGreaterThanOrEqual(20);
  expect(fontSize, `${file}: the main heading's font size, in px`).toBeLessThanOrEqual(48);
  expect(box.height, `${file}: the main heading's height, in px`).toBeGreaterThanOrEqual(16);
  expect(box.height, `${file}: the main heading's height, in lines`).toBeLessThanOrEqual(4 * lineHeight + 1);
  expect(text.width, `${file}: the main heading's text width, in px`).toBeGreaterThan(fontSize);
  const inside =
    box.x >= 0 &&
    box.y >= 0 &&
    (box.x + box.width) * scale <= picture.width + 1 &&
    (box.y + box.height) * scale <= picture.height + 1;
  expect(inside, `${file}: the main heading at ${JSON.stringify(box)} is inside the picture`).toBe(true);
  expect(box.y + box.height, `${file}: the main heading's bottom, in px, is in the first screen`).toBeLessThanOrEqual(
    windowHeight,
  );

  const ink = coloursOf(picture, {
    x: text.x * scale,
    y: text.y * scale,
    width: text.width * scale,
    height: text.height * scale,
  });
  expect(ink.distinct, `${file}: the main heading's text is drawn, in more than one colour`).toBeGreaterThan(1);
  expect(ink.notBackground, `${file}: the share of the main heading's text box its letters cover`).toBeGreaterThan(
    MIN_HEADING_INK,
  );
}

/** `/account/settings/change` -> `account-settings-change`; `/` -> `home`; no query string. */
function fileName(page: string) {
  return (page.split("?")[0].replace(/^\//, "").replace(/\//g, "-") || "home") + ".png";
}

function shotPath(width: number, locale: LocaleTag, page: string) {
  return path.join(root, String(width), locale, fileName(page));
}

/** Where a message shows in a picture, in the picture's pixels. */
interface KeyBox {
  key: string;
  picture: string;
  box: { x: number; y: number; width: number; height: number };
}

/**
 * Every visible element of the page with a `data-l10n-key`, and its box in the full-page
 * picture `picture` (relative to screenshots/). A closed `<select>` shows its chosen option only.
 */
function keyBoxes(page: Page, picture: string): Promise<KeyBox[]> {
  return page.evaluate((picture) => {
    const scale = window.devicePixelRatio;
    const found: KeyBox[] = [];
    for (const element of document.querySelectorAll<HTMLElement>("[data-l10n-key]")) {
      const shown = element instanceof HTMLOptionElement ? (element.selected ? element.closest("select") : null) : element;
      if (!shown || !shown.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      const r = shown.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const box = {
        x: Math.round((r.x + window.scrollX) * scale),
        y: Math.round((r.y + window.scrollY) * scale),
        width: Math.round(r.width * scale),
        height: Math.round(r.height * scale),
      };
      found.push({ key: element.dataset.l10nKey!, picture, box });
    }
    return found;
  }, picture);
}

/**
 * Who looks at a state: signed out, the signed-in account with data on every list, or a fresh
 * account of its own through its session cookie: one whose password was entered a day ago, one
 * with nothing on its lists, one with three pages of messages, a seller whose buyer deleted
 * their account, a staff member (with a recent password, or a day-old one).
 */
type Viewer = "signedOut" | "signedIn" | "oldPassword" | "empty" | "paged" | "deserted" | "staff" | "staffOldPassword";

/**
 * The fixture account each cookie-session viewer gets, whether it is staff, and what else must
 * happen before its states are taken (`arrange`).
 */
const sessionViewers: Record<
  Exclude<Viewer, "signedOut" | "signedIn">,
  { options: AccountOptions; staff: boolean; arrange?: (request: APIRequestContext, account: Account) => Promise<void> }
> = {
  oldPassword: { options: { password_age_minutes: 60 * 24 }, staff: false },
  empty: { options: {}, staff: false },
  paged: { options: { messages: 25 }, staff: false },
  deserted: { options: { store: true }, staff: false, arrange: leftByItsBuyer },
  staff: { options: {}, staff: true },
  staffOldPassword: { options: { password_age_minutes: 60 * 24 }, staff: true },
};

/**
 * A buyer of the seller's store writes to it (the buyer starts the conversation and writes every
 * other message), then deletes their account through the deletion itself: the seller's Messages
 * page then shows the conversation without the buyer's name, subject or words.
 */
async function leftByItsBuyer(request: APIRequestContext, seller: Account) {
  const buyer = await createAccount(request, { locale: seller.locale, buy_from_store: seller.store_id!, messages: 4 });
  await deactivate(request, buyer);
}

/** What a state's `act` may use: the viewer's fixture account (none signed out), and the fixtures API. */
interface Stage {
  account?: Account;
  request: APIRequestContext;
}

/**
 * The states of the journey beyond a page as it loads, each a picture of its own (`name.png`),
 * in the order the run takes them (by viewer).
 */
const states: {
  name: string;
  path: string;
  when: Viewer;
  act: (page: Page, stage: Stage) => Promise<void>;
  /** A page the wasm does not hydrate (the testers' console). */
  plain?: boolean;
}[] = [
  { name: "login-errors", path: "/login", when: "signedOut", act: submitEmpty },
  { name: "register-errors", path: "/register", when: "signedOut", act: submitEmpty },
  // The sign-up's refusals of an address. A malformed one is refused before the sign-up limit
  // (20 a quarter-hour from one IP address, which all the suite's workers share) counts it; each
  // of the two others is one sign-up attempt: 8 in this file's four tests, 10 in the suite with
  // deactivation.spec.ts's two.
  {
    name: "register-email-invalid",
    path: "/register",
    when: "signedOut",
    act: (page) => signUpWith(page, "someone.example.test", "problem_email_invalid"),
  },
  {
    name: "register-email-taken",
    path: "/register",
    when: "signedOut",
    act: async (page, { request }) => {
      const existing = await createAccount(request);
      await signUpWith(page, existing.email, "problem_email_taken");
    },
  },
  {
    name: "register-email-blocked",
    path: "/register",
    when: "signedOut",
    act: async (page, { request }) => {
      const deleted = await createAccount(request);
      await deactivate(request, deleted);
      await signUpWith(page, deleted.email, "problem_email_blocked");
    },
  },
  // The page that is not found (a 404), and the testers' plural gallery: every plural form.
  { name: "not-found", path: "/no-such-page", when: "signedOut", act: async () => {} },
  { name: "l10n-plurals", path: "/l10n/plurals", when: "signedOut", act: async () => {} },
  {
    name: "login-failed",
    path: "/login",
    when: "signedOut",
    act: async (page) => {
      // An address of its own: five failed sign-ins of one address in 15 minutes are refused.
      await page.locator('main input[name="email"]').fill(`nobody-${randomUUID()}@example.test`);
      await page.locator('main input[name="password"]').fill("not anybody's password");
      await page.locator("main form button[type=submit]").click();
      // The refusal waits for a password hash, which a loaded machine takes seconds for.
      await expect(page.getByRole("alert").first()).toBeVisible({ timeout: 20_000 });
    },
  },
  // The testers' console: a key no picture shows, one used only in emails, and no key at all.
  { name: "l10n-console", path: "/_l10n?q=error_internal", when: "signedOut", act: async () => {}, plain: true },
  { name: "l10n-console-email", path: "/_l10n?q=email_greeting", when: "signedOut", act: async () => {}, plain: true },
  { name: "l10n-console-none", path: "/_l10n?q=no+such+key", when: "signedOut", act: async () => {}, plain: true },
  {
    name: "profile-menu-open",
    path: "/account",
    when: "signedIn",
    act: async (page) => {
      await page.locator("#profile-menu-button").click();
      await expect(page.locator("#profile-menu")).toBeVisible();
    },
  },
  {
    name: "account-settings-profile-errors",
    path: "/account/settings/profile",
    when: "signedIn",
    act: async (page) => {
      await page.locator('main input[name="name"]').fill("");
      await page.locator('main input[name="phone"]').fill("not a phone");
      await submitEmpty(page);
    },
  },
  { name: "account-settings-password-errors", path: "/account/settings/password", when: "signedIn", act: submitEmpty },
  {
    name: "account-settings-password-too-short",
    path: "/account/settings/password",
    when: "signedIn",
    act: async (page) => {
      await page.locator('main input[name="current"]').fill("not the password");
      await page.locator('main input[name="new"]').fill("short");
      await submitEmpty(page);
    },
  },
  { name: "account-deactivate-errors", path: "/account/deactivate", when: "signedIn", act: submitEmpty },
  {
    name: "account-deactivate-mismatch",
    path: "/account/deactivate",
    when: "signedIn",
    act: async (page) => {
      const form = page.locator("form.deactivation-form");
      await form.locator('input[name="email"]').fill("someone.else@example.test");
      await form.locator('input[name="phrase"]').fill("not the phrase");
      await form.locator('input[name="reason"][value="other"]').check();
      await submitEmpty(page);
    },
  },
  {
    name: "account-deactivate-other-too-short",
    path: "/account/deactivate",
    when: "signedIn",
    act: async (page) => {
      const form = page.locator("form.deactivation-form");
      await form.locator('input[name="reason"][value="other"]').check();
      await form.locator('textarea[name="other_text"]').fill("ab");
      await submitEmpty(page);
    },
  },
  {
    name: "account-settings-profile-saved",
    path: "/account/settings/profile",
    when: "signedIn",
    act: async (page) => {
      await page.locator('main input[name="name"]').fill("Screenshot Tester");
      await page.locator("main form button[type=submit]").last().click();
      await expect(page.getByRole("status").first()).toBeVisible();
    },
  },
  {
    name: "account-deactivate-password-prompt",
    path: "/account/deactivate",
    when: "oldPassword",
    act: async (page) => {
      await page.locator('main input[name="password"]').fill("not the password");
      await page.locator("main button[type=submit]").click();
      await expect(page.getByRole("alert").first()).toBeVisible();
    },
  },
  // "Download your data": its link when the password is recent, the password prompt otherwise.
  { name: "account-settings-data", path: "/account/settings/data", when: "signedIn", act: async () => {} },
  { name: "account-settings-data-password", path: "/account/settings/data", when: "oldPassword", act: async () => {} },
  { name: "account-orders-empty", path: "/account/orders", when: "empty", act: async () => {} },
  { name: "account-settings-nothing-given", path: "/account/settings", when: "empty", act: async () => {} },
  { name: "account-messages-empty", path: "/account/messages", when: "empty", act: async () => {} },
  { name: "account-deactivate-nothing-open", path: "/account/deactivate", when: "empty", act: async () => {} },
  {
    name: "account-settings-password-changed",
    path: "/account/settings/password",
    when: "empty",
    act: async (page, { account }) => {
      await page.locator('main input[name="current"]').fill(account!.password);
      await page.locator('main input[name="new"]').fill("a new password for the screenshots");
      await page.locator("main form button[type=submit]").last().click();
      await expect(page.getByRole("status").first()).toBeVisible();
    },
  },
  {
    name: "account-messages-page-2",
    path: "/account/messages",
    when: "paged",
    act: async (page) => {
      await page.locator("nav.pager a[rel=next]").click();
      await expect(page.locator("nav.pager a[rel=first]")).toBeVisible();
    },
  },
  {
    name: "account-messages-deleted-party",
    path: "/account/messages",
    when: "deserted",
    act: async (page) => {
      await expect(page.locator('main [data-l10n-key="message_body_deleted"]').first()).toBeVisible();
    },
  },
  { name: "staff-reasons", path: "/staff/reasons", when: "staff", act: async () => {} },
  { name: "staff-reasons-password-prompt", path: "/staff/reasons", when: "staffOldPassword", act: async () => {} },
];

/** Sends the page's form as it is; the form's errors show. */
async function submitEmpty(page: Page) {
  await page.locator("main form button[type=submit]").last().click();
  await expect(page.getByRole("alert").first()).toBeVisible();
}

/**
 * Fills the sign-up form well but for the address, sends it, and waits for the address's
 * problem, by its key: another refusal (the sign-up limit's) must not pass for it.
 */
async function signUpWith(page: Page, email: string, problem: MessageKey) {
  await page.locator('main input[name="name"]').fill("Screenshot Tester");
  await page.locator('main input[name="email"]').fill(email);
  await page.locator('main input[name="password"]').fill("a password long enough for any rule");
  await page.locator('main select[name="country"]').selectOption({ index: 1 });
  await page.locator("main form button[type=submit]").last().click();
  await expect(page.locator(`main [data-l10n-key="${problem}"]`).first()).toBeVisible();
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
      test(`every page at ${width} px in ${locale}`, async ({ page, request, expectHttpErrors, baseURL }) => {
        // The forms' errors, as the server refuses them (the wrong password is a 401), and the
        // page that is not found.
        expectHttpErrors(401, 404, 422);
        // A dozen pages and thirty states, most hydrated: about a minute alone, more on a loaded machine.
        test.setTimeout(300_000);
        const started = Date.now();
        await page.setViewportSize({ width, height: windowHeight });
        const boxes: KeyBox[] = [];
        const picture = async (file: string) => {
          const png = await page.screenshot({ path: file, fullPage: true });
          const written = fs.statSync(file);
          expect(written.size, `${file} was written`).toBe(png.length);
          expect(written.mtimeMs, `${file} is from this run`).toBeGreaterThanOrEqual(started - 1000);
          const found = await keyBoxes(page, path.relative(root, file));
          expect(found.length, `${file}: elements with data-l10n-key`).toBeGreaterThan(0);
          boxes.push(...found);
          return png;
        };
        const shoot = async (pagePath: string) => {
          await openHydrated(page, pathIn(locale, pagePath));
          const heading = await checkMainHeading(page, locale, pagePath);
          const file = shotPath(width, locale, pagePath);
          checkPicture(file, decodePng(await picture(file)), width, heading);
        };
        const shootStates = async (when: Viewer, account?: Account) => {
          for (const state of states.filter((s) => s.when === when)) {
            if (state.plain) {
              await page.goto(pathIn(locale, state.path));
            } else {
              await openHydrated(page, pathIn(locale, state.path));
            }
            await state.act(page, { account, request });
            await picture(shotPath(width, locale, `/${state.name}`));
          }
        };
        for (const pagePath of publicPages) {
          await shoot(pagePath);
        }
        await shootStates("signedOut");
        await signInWithData(page, request, locale);
        for (const pagePath of accountPages) {
          await shoot(pagePath);
        }
        await shootStates("signedIn");
        // Each other viewer through its fixture account's session cookie (a sign-in would enter
        // the password now).
        for (const [when, viewer] of Object.entries(sessionViewers)) {
          const account = await createAccount(request, { locale, ...viewer.options });
          if (viewer.staff) grantStaff(account);
          await viewer.arrange?.(request, account);
          await page.context().clearCookies();
          await page.context().addCookies([{ name: "session", value: account.session, url: baseURL! }]);
          await shootStates(when as Viewer, account);
        }
        const index = path.join(root, "keys", `${width}-${locale}.json`);
        fs.mkdirSync(path.dirname(index), { recursive: true });
        fs.writeFileSync(index, JSON.stringify(boxes, null, 1));
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
