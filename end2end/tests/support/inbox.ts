import { expect, type APIRequestContext } from "@playwright/test";

/** An email the local SMTP server received, as its JSON API (`GET /email`) gives it. */
export interface Mail {
  subject: string;
  text: string;
  to: { address: string }[];
}

/**
 * The web inbox of the SMTP server the app sends to: `cargo xtask test` starts maildev, gives
 * the server its SMTP address (APP_SMTP_URL) and passes its inbox here as MAIL_INBOX_URL.
 */
function inboxUrl(): string {
  const url = process.env.MAIL_INBOX_URL;
  if (!url) {
    throw new Error("MAIL_INBOX_URL is not set: run the suite with `cargo xtask test`, which starts the SMTP server (maildev).");
  }
  return url;
}

/** Every email the inbox holds for `address` (each test's accounts have addresses of their own). */
export async function mailsTo(request: APIRequestContext, address: string): Promise<Mail[]> {
  const response = await request.get(`${inboxUrl()}/email`);
  expect(response.ok()).toBe(true);
  const all = (await response.json()) as Mail[];
  return all.filter((mail) => mail.to.some((to) => to.address.toLowerCase() === address.toLowerCase()));
}

/** Waits for the one email to `address`, and checks that no second one follows it. */
export async function theOneMailTo(request: APIRequestContext, address: string): Promise<Mail> {
  await expect.poll(async () => (await mailsTo(request, address)).length, { timeout: 15_000 }).toBeGreaterThan(0);
  // The sender looks at the outbox every second: a duplicate would be there by now.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const mails = await mailsTo(request, address);
  expect(mails).toHaveLength(1);
  return mails[0];
}
