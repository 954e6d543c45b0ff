import { createHmac, randomBytes } from "node:crypto";
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { html } from "hono/html";
import { z } from "zod";
import { guardedFetch, OutboundRefused, outboundPolicy } from "../../core/guarded-fetch.ts";
import { parseJsonExact } from "../../core/json.ts";
import { jsonError } from "../../core/http-error.ts";
import { open, seal } from "../../core/seal.ts";
import { secretMatches } from "../../core/signature.ts";
import { WooClient } from "./client.ts";
import { PLATFORM } from "./index.ts";
import { wooShop } from "./normalise.ts";
import type { ConnectFlow } from "../../connect/flow.ts";
import { problemPage, PROBLEMS, type WooProblem } from "../../connect/pages.ts";
import {
  ConnectFailed,
  connectStore,
  startsConnect,
  statusCookie,
  statusPath,
  type StoresContext,
} from "../../connect/stores.ts";

/**
 * Connecting a WooCommerce store through WooCommerce's application authentication endpoint
 * (`/wc-auth/v1/authorize`): the merchant approves MetricsDash in their WordPress admin, WooCommerce
 * creates a REST key and POSTs it to our callback (server to server), then sends the browser back to
 * our return URL. The callback hands the store to `connectStore` (connect/stores.ts).
 *
 * WooCommerce gives the callback nothing to tie it to our request but `user_id`, which it passes
 * through untouched: so `user_id` is our state, sealed (the store sees an opaque token), naming the
 * site and expiring. The browser's half of the state sits in a cookie, so the way back only works in
 * the browser that started, as with Shopify's OAuth state.
 */

export const CONNECT_PATH = "/woocommerce/connect";
export const CALLBACK_PATH = "/woocommerce/callback";
export const RETURN_PATH = "/woocommerce/return";
const STATE_COOKIE = "md_woo_state";
/** Long enough for a merchant who has to log in to WordPress first. */
export const STATE_TTL_MS = 10 * 60_000;
/**
 * `read_write`, not `read`: MetricsDash creates its own webhooks (`POST /wc/v3/webhooks`) and turns
 * hooks WooCommerce disabled back on (`PUT /wc/v3/webhooks/<id>`); WooCommerce refuses every
 * POST/PUT to a read key. WooCommerce has no narrower scope than these three.
 */
export const SCOPE = "read_write";

const StatePayload = z.object({
  v: z.literal(1),
  /** The site's `home` from its REST index when the flow began. */
  home: z.url(),
  /** Also in the browser's cookie. */
  nonce: z.string().min(16),
  exp: z.number().int(),
});
type StatePayload = z.infer<typeof StatePayload>;
const STATE_CONTEXT = "woocommerce-connect-state";

/** The state's own key, derived from the service's key so a state can never open as anything else. */
export const stateKey = (serviceKey: Buffer): Buffer =>
  createHmac("sha256", serviceKey).update("woocommerce connect state").digest();

export function issueState(key: Buffer, home: string, now = Date.now()): { value: string; nonce: string } {
  const nonce = randomBytes(18).toString("base64url");
  const payload: StatePayload = { v: 1, home, nonce, exp: now + STATE_TTL_MS };
  // base64url pieces joined by dots: WooCommerce's wc_clean and add_query_arg leave them as they are.
  return { value: seal(key, JSON.stringify(payload), STATE_CONTEXT), nonce };
}

export type StateCheck =
  { ok: true; state: StatePayload } | { ok: false; problem: "invalid" | "expired"; reason: string };

/** AES-GCM's tag authenticates the state (checked in constant time by OpenSSL); then its age. */
export function openState(key: Buffer, value: string | undefined | null, now = Date.now()): StateCheck {
  if (!value) return { ok: false, problem: "invalid", reason: "no state" };
  let state: StatePayload;
  try {
    state = StatePayload.parse(JSON.parse(open(key, value, STATE_CONTEXT)));
  } catch (err) {
    return { ok: false, problem: "invalid", reason: (err as Error).message };
  }
  if (now > state.exp) return { ok: false, problem: "expired", reason: "state expired" };
  return { ok: true, state };
}

/**
 * The site a merchant typed, as a URL: `https://` when no scheme is given, no credentials, query or
 * fragment, and an admin or REST path pasted by mistake cut off. Null when it can't be a site.
 */
export function siteAddress(typed: string): URL | null {
  const text = typed.trim();
  if (!text || /\s/.test(text)) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  if (!URL.canParse(withScheme)) return null;
  const url = new URL(withScheme);
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.username || url.password) return null;
  if (!url.hostname.includes(".") && url.hostname !== "localhost") return null;
  url.pathname = url.pathname.replace(/\/(wp-admin|wp-login\.php|wp-json)(\/.*)?$/, "").replace(/\/+$/, "");
  url.search = "";
  url.hash = "";
  return url;
}

const SiteIndex = z.object({
  home: z.url(),
  name: z.string().optional(),
  namespaces: z.array(z.string()).default([]),
});

type IndexResult =
  | { ok: true; home: string; name: string | null }
  | { ok: false; problem: "woo_unreachable" | "woo_not_woocommerce" | "woo_bad_site"; reason: string };

/**
 * WordPress's public REST index: `home` is the site's canonical address (what WooCommerce names as
 * X-WC-Webhook-Source, so the store's derived webhook secret matches), and WooCommerce's `wc/v3`
 * namespace shows it is active. `_fields` keeps WordPress from sending every route.
 */
export async function readSiteIndex(site: string): Promise<IndexResult> {
  let response: Response;
  try {
    // Anyone may type any address here: the guard keeps the request off private and loopback hosts.
    response = await guardedFetch(
      `${site.replace(/\/+$/, "")}/wp-json/?_fields=name,home,namespaces`,
      { headers: { accept: "application/json" } },
      outboundPolicy({ timeoutMs: 15_000, maxBytes: 1024 * 1024 }),
    );
  } catch (err) {
    // An address we may not call (http, a private host) is the visitor's mistake, not the site's.
    if (err instanceof OutboundRefused && (err.code === "scheme" || err.code === "private_address"))
      return { ok: false, problem: "woo_bad_site", reason: err.message };
    return { ok: false, problem: "woo_unreachable", reason: (err as Error).message };
  }
  const text = await response.text();
  if (response.status >= 500)
    return { ok: false, problem: "woo_unreachable", reason: `GET /wp-json answered ${response.status}` };
  if (!response.ok)
    return { ok: false, problem: "woo_not_woocommerce", reason: `GET /wp-json answered ${response.status}` };
  let body: unknown;
  try {
    body = parseJsonExact(text);
  } catch {
    return { ok: false, problem: "woo_not_woocommerce", reason: "GET /wp-json did not answer JSON" };
  }
  const index = SiteIndex.safeParse(body);
  if (!index.success)
    return {
      ok: false,
      problem: "woo_not_woocommerce",
      reason: "GET /wp-json is not a WordPress REST index",
    };
  if (!index.data.namespaces.includes("wc/v3"))
    return { ok: false, problem: "woo_not_woocommerce", reason: "the REST index lists no wc/v3 namespace" };
  return { ok: true, home: index.data.home, name: index.data.name?.trim() || null };
}

/** Whether `home` (from a site's REST index) is the site that was typed, give or take `www.`. */
export function sameSite(home: string, typed: URL): boolean {
  if (!URL.canParse(home)) return false;
  const url = new URL(home);
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  const bare = (host: string) => host.toLowerCase().replace(/^www\./, "");
  return bare(url.host) === bare(typed.host);
}

/** What WooCommerce POSTs to `callback_url` once the merchant approved (WC_Auth::create_keys). */
const KeyDelivery = z.object({
  key_id: z.union([z.number().int(), z.string()]),
  user_id: z.string().min(1),
  consumer_key: z.string().regex(/^ck_\w+$/),
  consumer_secret: z.string().regex(/^cs_\w+$/),
  key_permissions: z.enum(["read", "write", "read_write"]),
});

export interface WooFlowOptions {
  /** Where browsers and WooCommerce reach the connect service (CONNECT_PUBLIC_URL). */
  connectUrl: string;
  /** Shown on WooCommerce's approval page and in the key's description. */
  appName: string;
}

/** The platform's block on the connect page: a form asking for the store's address. */
function wooSection() {
  return html`<section id="woocommerce">
    <h2>WooCommerce</h2>
    <p>
      Type your store's address. You'll approve MetricsDash in your WordPress admin — “Read/Write” access, so
      it can read orders and products and add its own webhooks — then see your recent orders arrive.
    </p>
    <form method="get" action="${CONNECT_PATH}">
      <label for="woo-site">Store address</label>
      <input id="woo-site" name="site" placeholder="https://your-store.example" autocomplete="url" required />
      <button type="submit" id="woo-connect">Connect</button>
    </form>
  </section>`;
}

/** What every step of the flow shares once it is mounted. */
interface Mounted {
  ctx: StoresContext;
  appName: string;
  /** CONNECT_PUBLIC_URL without a trailing slash. */
  base: string;
  /** Whether `base` is https: WooCommerce refuses any other callback_url. */
  secure: boolean;
  /** The state's key (`stateKey`). */
  key: Buffer;
  /**
   * Approvals whose keys reached the callback and connected, by state nonce, until the browser
   * comes back. Without it a valid state and cookie for a site someone else connected would be
   * enough to get that store's status cookie. In memory: the service is one process (histories
   * run in it too); a restart in the second between callback and return asks to start again.
   */
  delivered: Map<string, { shop: string; at: number }>;
}

const page = (c: Context, problem: WooProblem) => c.html(problemPage(problem), PROBLEMS[problem].status);

/** The keys of this approval connected its store: kept for the browser's return, old ones dropped. */
function remember(m: Mounted, nonce: string, shop: string) {
  const now = Date.now();
  for (const [seen, entry] of m.delivered) if (now - entry.at > STATE_TTL_MS) m.delivered.delete(seen);
  m.delivered.set(nonce, { shop, at: now });
}

/** WooCommerce's approval page for this site, handing it our state and where to come back. */
function authorizeUrl(m: Mounted, home: string, state: string): string {
  const authorize = new URL(`${home.replace(/\/+$/, "")}/wc-auth/v1/authorize`);
  authorize.search = new URLSearchParams({
    app_name: m.appName,
    scope: SCOPE,
    user_id: state,
    return_url: `${m.base}${RETURN_PATH}`,
    callback_url: `${m.base}${CALLBACK_PATH}`,
  }).toString();
  return authorize.toString();
}

/** The form's address: checked to be a WooCommerce site, then the browser goes to its approval page. */
async function onConnect(m: Mounted, c: Context) {
  const log = m.ctx.log;
  const site = siteAddress(c.req.query("site") ?? "");
  if (!site) return page(c, "woo_bad_site");
  if (!m.secure) return page(c, "woo_needs_https");
  const index = await readSiteIndex(site.toString());
  if (!index.ok) {
    log.warn(
      { platform: PLATFORM, site: site.host, reason: index.reason },
      "woocommerce connect not started",
    );
    return page(c, index.problem);
  }
  // The approval redirect goes where the site's index says it lives: only to the site typed
  // (or its www. twin), or this page would send visitors anywhere a hostile index names.
  if (!sameSite(index.home, site)) {
    log.warn(
      { platform: PLATFORM, site: site.host, home: index.home.slice(0, 200) },
      "woocommerce connect not started: the index names another site",
    );
    return page(c, "woo_bad_site");
  }
  const { value, nonce } = issueState(m.key, index.home);
  setCookie(c, STATE_COOKIE, nonce, {
    path: "/woocommerce",
    httpOnly: true,
    sameSite: "Lax",
    secure: m.secure,
    maxAge: STATE_TTL_MS / 1000,
  });
  log.info({ platform: PLATFORM, shop: wooShop(index.home) }, "woocommerce approval requested");
  return c.redirect(authorizeUrl(m, index.home, value), 302);
}

type KeyDelivery = z.infer<typeof KeyDelivery>;
/** Why a key delivery is refused, with the status each answers. */
const REFUSALS = {
  invalid_json: 400,
  invalid_delivery: 400,
  state_expired: 400,
  invalid_state: 403,
  insufficient_permissions: 403,
  site_moved: 409,
  site_unreachable: 502,
  keys_refused: 502,
} as const;
type Refusal = keyof typeof REFUSALS;

/** A key delivery refused: WooCommerce deletes the key and shows the merchant its own error. */
function refuse(m: Mounted, c: Context, code: Refusal, reason: string, where: Record<string, unknown> = {}) {
  m.ctx.log.warn({ platform: PLATFORM, ...where, code, reason }, "woocommerce key delivery refused");
  return jsonError(c, REFUSALS[code], code, reason);
}

/** Server to server from the store: its POSTed body, read as a key delivery. */
async function onKeyDelivery(m: Mounted, c: Context) {
  let body: unknown;
  try {
    body = parseJsonExact(await c.req.text());
  } catch {
    return refuse(m, c, "invalid_json", "the body is not JSON");
  }
  const parsed = KeyDelivery.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
    return refuse(m, c, "invalid_delivery", `not a WooCommerce key delivery (${fields})`);
  }
  return acceptDelivery(m, c, parsed.data);
}

/** The delivery answers a state we issued, grants read_write, and its site still names itself so. */
async function acceptDelivery(m: Mounted, c: Context, delivery: KeyDelivery) {
  const where = { keyId: delivery.key_id, permissions: delivery.key_permissions };
  const checked = openState(m.key, delivery.user_id);
  if (!checked.ok)
    return refuse(
      m,
      c,
      checked.problem === "expired" ? "state_expired" : "invalid_state",
      checked.problem === "expired" ? "the connect link expired" : "user_id is not a state we issued",
      { ...where, detail: checked.reason },
    );
  const { state } = checked;
  const site = state.home;
  if (delivery.key_permissions !== SCOPE)
    return refuse(
      m,
      c,
      "insufficient_permissions",
      `the key has ${delivery.key_permissions} permission; MetricsDash needs read_write to create its webhooks`,
      { ...where, site },
    );
  const index = await readSiteIndex(site);
  if (!index.ok)
    return refuse(m, c, "site_unreachable", `reading the site's REST index: ${index.reason}`, {
      ...where,
      site,
    });
  const shop = wooShop(index.home);
  if (shop !== wooShop(site))
    return refuse(m, c, "site_moved", `the site now names itself ${index.home}, not ${site}`, {
      ...where,
      site,
    });
  const store = { shop, home: index.home, name: index.name };
  return connectDelivered(m, c, delivery, store, { nonce: state.nonce, where });
}

/** The keys read the store's orders: connect it, and remember the approval for the browser's return. */
async function connectDelivered(
  m: Mounted,
  c: Context,
  delivery: KeyDelivery,
  store: { shop: string; home: string; name: string | null },
  approval: { nonce: string; where: Record<string, unknown> },
) {
  const { shop } = store;
  const { where } = approval;
  const log = m.ctx.log;
  const client = new WooClient(store.home, delivery.consumer_key, delivery.consumer_secret, log);
  try {
    await client.ordersCreatedPage({ from: new Date(Date.now() - 86_400_000), to: new Date() }, 1, 1);
  } catch (err) {
    return refuse(m, c, "keys_refused", `the keys don't read orders: ${(err as Error).message}`, {
      ...where,
      shop,
    });
  }
  try {
    await connectStore(m.ctx, {
      platform: PLATFORM,
      shop,
      name: store.name,
      credentials: {
        siteUrl: store.home,
        consumerKey: delivery.consumer_key,
        consumerSecret: delivery.consumer_secret,
      },
    });
  } catch (err) {
    if (!(err instanceof ConnectFailed)) throw err;
    log.error(
      { platform: PLATFORM, shop, ...where, step: err.step, err: err.message },
      "woocommerce connect failed",
    );
    // The message starts with the step that failed (ConnectFailed's own).
    return jsonError(c, 502, "connect_failed", err.message);
  }
  remember(m, approval.nonce, shop);
  return c.json({ ok: true }, 200);
}

/** The browser's way back: WooCommerce adds `success` (1 approved, 0 denied) and our `user_id`. */
async function onReturn(m: Mounted, c: Context) {
  const log = m.ctx.log;
  deleteCookie(c, STATE_COOKIE, { path: "/woocommerce", secure: m.secure });
  if (c.req.query("success") !== "1") return page(c, "woo_denied");
  const checked = openState(m.key, c.req.query("user_id"));
  if (!checked.ok) {
    log.warn({ platform: PLATFORM, reason: checked.reason }, "woocommerce return refused");
    return page(c, checked.problem === "expired" ? "woo_expired" : "woo_invalid");
  }
  const { state } = checked;
  if (!secretMatches(state.nonce, getCookie(c, STATE_COOKIE))) {
    log.warn(
      { platform: PLATFORM, reason: "state cookie missing or different" },
      "woocommerce return refused",
    );
    return page(c, "woo_expired");
  }
  const done = m.delivered.get(state.nonce);
  m.delivered.delete(state.nonce);
  const connection = done ? await m.ctx.connections.get(PLATFORM, done.shop) : null;
  if (!done || !connection || connection.status === "disconnected") {
    log.warn(
      { platform: PLATFORM, shop: wooShop(state.home) },
      "woocommerce approval came back without keys",
    );
    return page(c, "woo_not_received");
  }
  c.header("set-cookie", statusCookie(m.ctx, PLATFORM, done.shop), { append: true });
  return c.redirect(statusPath(PLATFORM, done.shop), 302);
}

export function woocommerceFlow(options: WooFlowOptions): ConnectFlow {
  const base = options.connectUrl.replace(/\/+$/, "");
  // WooCommerce refuses a callback_url that isn't https ("The callback_url needs to be over SSL").
  const secure = base.startsWith("https://");
  return {
    platform: PLATFORM,
    section: wooSection,
    mount(app: Hono, ctx: StoresContext) {
      const key = stateKey(ctx.statusKey);
      const m: Mounted = { ctx, appName: options.appName, base, secure, key, delivered: new Map() };
      if (!secure)
        ctx.log.warn(
          { connectUrl: base },
          "WooCommerce stores can't connect: CONNECT_PUBLIC_URL must be https (WooCommerce refuses an http callback_url)",
        );
      app.get(CONNECT_PATH, startsConnect(ctx), (c) => onConnect(m, c));
      // WooCommerce keeps the key only if this answers exactly 200; any other answer makes it delete
      // the key and show the merchant an error.
      app.post(
        CALLBACK_PATH,
        bodyLimit({
          maxSize: 16 * 1024,
          onError: (c) => jsonError(c, 413, "payload_too_large", "key delivery too large"),
        }),
        (c) => onKeyDelivery(m, c),
      );
      app.get(RETURN_PATH, (c) => onReturn(m, c));
    },
  };
}
