import type { ProgressReport } from "../../connect/progress.ts";
import { CookieJar } from "./shopify-connect.ts";

/**
 * A merchant connecting a WooCommerce store without a browser: the connect page's form, WooCommerce's
 * approval page (approve or deny, following its links as a browser would), and the way back to
 * MetricsDash with the cookies a browser would carry.
 */

export interface WooAttempt {
  /** Where the attempt stopped: our redirect, WooCommerce's page, its approval, or our return. */
  stage: "begin" | "authorize" | "approve" | "return";
  status: number;
  location: string | null;
  body: string;
  /** The return URL WooCommerce sent the browser to (with `success` and `user_id`). */
  returnUrl: string | null;
  /** The browser's cookies at the end, e.g. to read the status page. */
  cookies: string;
}

const unescapeHtml = (text: string) =>
  text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, "&");

async function browse(url: string, jar: CookieJar): Promise<Response> {
  const response = await fetch(url, { redirect: "manual", headers: { cookie: jar.header() } });
  jar.take(response);
  return response;
}

export async function connectWooStore(
  connectUrl: string,
  typed: string,
  opts: {
    decision?: "approve" | "deny";
    /** Runs on WooCommerce's approval page, before the merchant clicks. */
    onApprovalPage?: (authorize: URL) => void | Promise<void>;
    /** Edits the way back before the browser follows it (a forged state, a lost cookie…). */
    tamper?: (returnUrl: URL, jar: CookieJar) => void;
  } = {},
): Promise<WooAttempt> {
  const jar = new CookieJar();
  const stop = async (stage: WooAttempt["stage"], response: Response, returnUrl: string | null = null) => ({
    stage,
    status: response.status,
    location: response.headers.get("location"),
    body: await response.text(),
    returnUrl,
    cookies: jar.header(),
  });

  const begin = await browse(`${connectUrl}/woocommerce/connect?site=${encodeURIComponent(typed)}`, jar);
  const authorize = begin.headers.get("location");
  if (begin.status !== 302 || !authorize) return stop("begin", begin);

  const page = await browse(authorize, jar);
  if (page.status !== 200) return stop("authorize", page);
  const html = await page.text();
  await opts.onApprovalPage?.(new URL(authorize));
  const link = new RegExp(
    `href="([^"]+)" class="button[^"]*${opts.decision === "deny" ? "wc-auth-deny" : "wc-auth-approve"}"`,
  ).exec(html)?.[1];
  if (!link) throw new Error(`no ${opts.decision ?? "approve"} link on WooCommerce's page`);
  let back = unescapeHtml(link);
  if (opts.decision !== "deny") {
    const approved = await browse(new URL(back, authorize).toString(), jar);
    const location = approved.headers.get("location");
    if (approved.status !== 302 || !location) return stop("approve", approved);
    back = location;
  }
  const returnUrl = new URL(back);
  opts.tamper?.(returnUrl, jar);
  return stop("return", await browse(returnUrl.toString(), jar), returnUrl.toString());
}

/** The one progress shape every store's status page reads (connect/progress.ts). */
export type WooProgress = ProgressReport;

export async function wooProgress(connectUrl: string, shop: string, cookies: string): Promise<WooProgress> {
  const response = await fetch(`${connectUrl}/stores/woocommerce/${encodeURIComponent(shop)}/progress`, {
    headers: { cookie: cookies },
  });
  if (!response.ok) throw new Error(`progress of ${shop}: HTTP ${response.status}`);
  return (await response.json()) as WooProgress;
}

export async function waitForWooProgress(
  connectUrl: string,
  shop: string,
  cookies: string,
  until: (p: WooProgress) => boolean,
  timeoutMs = 60_000,
): Promise<WooProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: WooProgress | undefined;
  let problem: unknown;
  for (;;) {
    try {
      last = await wooProgress(connectUrl, shop, cookies);
      if (until(last)) return last;
    } catch (err) {
      problem = err; // the service may be restarting
    }
    if (Date.now() > deadline)
      throw new Error(
        `progress of ${shop} never matched; last: ${JSON.stringify(last)} ${problem ? String(problem) : ""}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
