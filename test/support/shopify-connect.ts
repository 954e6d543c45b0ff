import { randomBytes } from "node:crypto";
import type { ProgressReport } from "../../connect/progress.ts";

/**
 * A person going through the connect flow without a browser: the connect page's redirect, the
 * approval on (fake) Shopify, the callback with the state cookie, as a browser would carry it.
 * The browser test does the same with Chromium; this one lets whole-pipeline tests connect quickly.
 */

export const TEST_CONNECT_ENV = {
  SHOPIFY_API_KEY: "metricsdash-test-client-id",
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  BACKFILL_POLL_MS: "100",
};

/** Chromium's user agent: the library refuses OAuth to what looks like a bot. */
export const BROWSER_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

export class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

export interface ConnectAttempt {
  status: number;
  location: string | null;
  body: string;
}

async function get(url: string, jar: CookieJar): Promise<Response> {
  const response = await fetch(url, {
    redirect: "manual",
    headers: { "user-agent": BROWSER_UA, cookie: jar.header() },
  });
  jar.take(response);
  return response;
}

/**
 * Types `typed` on the connect page, approves (or cancels) on Shopify, follows the callback.
 * `tamper` edits the callback URL before it is followed (forged HMAC, lost cookie…).
 */
export async function connectShop(
  connectUrl: string,
  typed: string,
  opts: { decision?: "approve" | "cancel"; tamper?: (callback: URL, jar: CookieJar) => void } = {},
): Promise<ConnectAttempt> {
  const jar = new CookieJar();
  const begin = await get(`${connectUrl}/connect?shop=${encodeURIComponent(typed)}`, jar);
  const authorize = begin.headers.get("location");
  if (begin.status !== 302 || !authorize)
    return { status: begin.status, location: authorize, body: await begin.text() };

  const page = await get(authorize, jar);
  if (page.status !== 200) return { status: page.status, location: null, body: await page.text() };
  await page.text();
  const query = new URL(authorize).searchParams;
  const approveUrl = new URL(authorize);
  approveUrl.pathname = approveUrl.pathname.replace(/authorize$/, "approve");
  approveUrl.search = "";
  const approved = await fetch(approveUrl, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": BROWSER_UA },
    body: new URLSearchParams({
      redirect_uri: query.get("redirect_uri") ?? "",
      state: query.get("state") ?? "",
      scope: query.get("scope") ?? "",
      decision: opts.decision ?? "approve",
    }),
  });
  const callback = new URL(approved.headers.get("location")!);
  opts.tamper?.(callback, jar);
  const done = await get(callback.toString(), jar);
  const shop = callback.searchParams.get("shop");
  if (done.status === 302 && shop) statusCookies.set(shop, jar.header());
  return { status: done.status, location: done.headers.get("location"), body: await done.text() };
}

/** The one progress shape every store's status page reads (connect/progress.ts). */
export type Progress = ProgressReport;

/** The cookies of the "browser" that connected each shop: only it may read the shop's progress. */
const statusCookies = new Map<string, string>();

/** For a real browser's cookies (the Chromium test): the helper then reads progress as that browser. */
export function useStatusCookies(shop: string, cookieHeader: string): void {
  statusCookies.set(shop, cookieHeader);
}

export async function progress(connectUrl: string, shop: string): Promise<Progress> {
  const response = await fetch(`${connectUrl}/stores/shopify/${shop}/progress`, {
    headers: { cookie: statusCookies.get(shop) ?? "" },
  });
  if (!response.ok) throw new Error(`progress of ${shop}: HTTP ${response.status}`);
  return (await response.json()) as Progress;
}

export async function waitForProgress(
  connectUrl: string,
  shop: string,
  until: (p: Progress) => boolean,
  timeoutMs = 60_000,
): Promise<Progress> {
  const deadline = Date.now() + timeoutMs;
  let last: Progress | undefined;
  for (;;) {
    try {
      last = await progress(connectUrl, shop);
      if (until(last)) return last;
    } catch {
      // the service may be restarting
    }
    if (Date.now() > deadline)
      throw new Error(`progress of ${shop} never matched; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
