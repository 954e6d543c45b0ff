import { createHmac } from "node:crypto";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { secretMatches } from "../../core/signature.ts";
import { BigCommerceClient } from "./client.ts";
import type { BigCommerceConnectEnv } from "./connect-env.ts";
import { PLATFORM } from "./index.ts";
import { bcProblemPage, BC_PROBLEMS, bigCommerceSection, type BcProblem } from "./connect-pages.ts";
import { InvalidSignedPayload, verifySignedPayload } from "./connect-jwt.ts";
import type { ConnectFlow } from "../../connect/flow.ts";
import { statusPage } from "../../connect/pages.ts";
import {
  ConnectFailed,
  connectStore,
  disconnectStore,
  startsConnect,
  statusCookie,
  statusPath,
  type StoresContext,
} from "../../connect/stores.ts";
import { jsonError } from "../../core/http-error.ts";

/**
 * How a BigCommerce store connects: the single-click app install (BigCommerce sends the merchant's
 * browser to our auth callback with a one-time `code`, which we exchange at the login server for the
 * store's token), or a token the merchant pastes from a store-level API account. Either way the
 * token is checked against the store, then `connectStore` seals it, creates our hooks and loads the
 * history. The load and uninstall callbacks carry an HS256 JWT signed with the app's client secret.
 */

export const AUTH_PATH = "/bigcommerce/auth";
export const LOAD_PATH = "/bigcommerce/load";
export const UNINSTALL_PATH = "/bigcommerce/uninstall";
export const REMOVE_USER_PATH = "/bigcommerce/remove_user";
export const TOKEN_PATH = "/bigcommerce/token";
export const VIEW_PATH = "/bigcommerce/progress";

/**
 * BigCommerce shows the app's pages in an iframe of its control panel, where browsers keep no
 * SameSite=Lax cookie of ours: the status cookie alone would lock the merchant out of their own
 * progress. So a page rendered for a verified install or load carries a signed, expiring view
 * token in its progress URL instead (the cookie is still set, for a browser that keeps it).
 */
const VIEW_TTL_MS = 12 * 60 * 60 * 1000;
const viewMac = (key: Buffer, hash: string, expiresAt: number) =>
  createHmac("sha256", key).update(`bigcommerce-view\u0000${hash}\u0000${expiresAt}`).digest("base64url");

export function viewToken(key: Buffer, hash: string, now = Date.now()): string {
  const expiresAt = now + VIEW_TTL_MS;
  return `${expiresAt}.${viewMac(key, hash, expiresAt)}`;
}

export function viewAllowed(key: Buffer, hash: string, token: string | undefined, now = Date.now()): boolean {
  const [at, mac] = (token ?? "").split(".");
  const expiresAt = Number(at);
  if (!Number.isSafeInteger(expiresAt) || expiresAt < now) return false;
  return secretMatches(viewMac(key, hash, expiresAt), mac);
}

/** What MetricsDash reads, by OAuth scope; the modify scope of each covers its read-only one. */
export const REQUIRED_SCOPES = [
  { scope: "store_v2_orders_read_only", what: "Orders: read-only" },
  { scope: "store_v2_products_read_only", what: "Products: read-only" },
  { scope: "store_v2_information_read_only", what: "Information & settings: read-only" },
] as const;

/** Scopes of `granted` (space-separated, as BigCommerce sends them) that don't cover what we read. */
export function missingScopes(granted: string): string[] {
  const have = new Set(granted.split(/\s+/).filter(Boolean));
  return REQUIRED_SCOPES.filter(
    ({ scope }) => !have.has(scope) && !have.has(scope.replace(/_read_only$/, "")),
  ).map(({ what }) => what);
}

const storeHash = z.string().regex(/^[a-z0-9]+$/);

const AuthQuery = z.object({
  code: z.string().min(1),
  scope: z.string(),
  context: z.string().regex(/^stores\/[a-z0-9]+$/),
});

/** The token response, less `user` and `owner` (people's ids and emails): never kept, never logged. */
const TokenResponse = z.object({
  access_token: z.string().min(1),
  scope: z.string(),
  context: z.string(),
});

/** A pasted hash, or the API path it sits in (`https://api.bigcommerce.com/stores/<hash>/v3/`). */
export function parseStoreHash(typed: string): string | null {
  const text = typed.trim().toLowerCase();
  const hash = /\/stores\/([a-z0-9]+)/.exec(text)?.[1] ?? text;
  return storeHash.safeParse(hash).success ? hash : null;
}

const TokenForm = z.object({
  store_hash: z.string().max(300),
  token: z.string().trim().min(1).max(300),
});

/** Only the store's name from its information (the rest names the owner: email, phone, address). */
const StoreName = z.object({ name: z.string().optional() });

class LoginRefused extends Error {}

export type BigCommerceFlowConfig = BigCommerceConnectEnv & { CONNECT_PUBLIC_URL: string };

type Access =
  { ok: true; name: string | null } | { ok: false; problem: BcProblem; details?: string[]; reason: string };

type App = { clientId: string; clientSecret: string };

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/** The code grant: BigCommerce's login server trades the one-time code for the store's token. */
async function exchangeCode(
  loginUrl: string,
  redirectUri: string,
  query: z.infer<typeof AuthQuery>,
  app: App,
): Promise<z.infer<typeof TokenResponse>> {
  const response = await fetch(`${trimSlash(loginUrl)}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      client_id: app.clientId,
      client_secret: app.clientSecret,
      code: query.code,
      scope: query.scope,
      grant_type: "authorization_code",
      redirect_uri: redirectUri,
      context: query.context,
    }),
    signal: AbortSignal.timeout(15_000),
  });
  // The body names the user who installed (email, username): read it only through the schema.
  const text = await response.text();
  if (response.status >= 400 && response.status < 500)
    throw new LoginRefused(`login server answered ${response.status}`);
  if (!response.ok) throw new Error(`login server answered ${response.status}`);
  const parsed = TokenResponse.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error("login server's answer has no access_token");
  return parsed.data;
}

/** What a token may read beyond the store's information, asked of the store. */
const SCOPE_CHECKS = [
  { path: "/v2/orders/count", what: "Orders: read-only" },
  { path: "/v3/catalog/products?limit=1", what: "Products: read-only" },
] as const;

/**
 * Whether the token opens this store and reads what we need, asked of the store itself: a pasted
 * token's scopes are known only this way. Its name is kept for pages (the store's, not a person's).
 * The client's one rate-limit loop waits through 429s (other apps share the store's quota), a few
 * times, at most 5 s each: a person is waiting.
 */
async function checkAccess(client: BigCommerceClient): Promise<Access> {
  try {
    const store = await client.probe("/v2/store");
    if (store.status === 404)
      return { ok: false, problem: "unknown_store", reason: "store information answered 404" };
    if (store.status === 401)
      return { ok: false, problem: "token_refused", reason: "store information answered 401" };
    const missing: string[] = [];
    if (store.status === 403) missing.push("Information & settings: read-only");
    else if (!store.text || store.status !== 200)
      return { ok: false, problem: "unreachable", reason: `store information answered ${store.status}` };
    for (const check of SCOPE_CHECKS) {
      const { status } = await client.probe(check.path);
      if (status === 403) missing.push(check.what);
      else if (status >= 400)
        return { ok: false, problem: "unreachable", reason: `${check.path} answered ${status}` };
    }
    if (missing.length)
      return {
        ok: false,
        problem: "missing_scopes",
        details: missing,
        reason: `missing ${missing.join(", ")}`,
      };
    const name = StoreName.safeParse(JSON.parse(store.text));
    return { ok: true, name: (name.success && name.data.name) || null };
  } catch (err) {
    return { ok: false, problem: "unreachable", reason: (err as Error).message };
  }
}

/** What every step of the flow shares once it is mounted. */
interface Mounted {
  hono: Hono;
  ctx: StoresContext;
  app: App | undefined;
  apiUrl: string;
  redirectUri: string;
  loginUrl: string;
  publicOrigin: string;
}

function fail(
  m: Mounted,
  c: Context,
  problem: BcProblem,
  shop: string | undefined,
  reason: string,
  details?: string[],
) {
  m.ctx.log.warn({ platform: PLATFORM, shop, problem, reason }, "bigcommerce connect not completed");
  return c.html(bcProblemPage(problem, details), BC_PROBLEMS[problem].status);
}

/** The status page itself, for the control panel's iframe: progress read with a view token. */
function showStatus(m: Mounted, c: Context, hash: string, name: string | null) {
  c.header("set-cookie", statusCookie(m.ctx, PLATFORM, hash), { append: true });
  const progress = `${VIEW_PATH}/${hash}?view=${encodeURIComponent(viewToken(m.ctx.statusKey, hash))}`;
  return c.html(statusPage(name ?? hash, progress));
}

/** The store's token works: connect it, then show its progress (`page`) or redirect there. */
async function connectWithToken(
  m: Mounted,
  c: Context,
  store: { hash: string; token: string },
  via: string,
  reply: "page" | "redirect",
) {
  const { hash, token } = store;
  const client = new BigCommerceClient({
    apiUrl: m.apiUrl,
    storeHash: hash,
    accessToken: token,
    log: m.ctx.log,
    maxAttempts: 4,
    maxWaitMs: 5000,
    timeoutMs: 15_000,
  });
  const access = await checkAccess(client);
  if (!access.ok) return fail(m, c, access.problem, hash, access.reason, access.details);
  try {
    await connectStore(m.ctx, {
      platform: PLATFORM,
      shop: hash,
      name: access.name,
      credentials: { storeHash: hash, accessToken: token, apiUrl: m.apiUrl },
    });
  } catch (err) {
    if (!(err instanceof ConnectFailed)) throw err;
    m.ctx.log.error(
      { platform: PLATFORM, shop: hash, step: err.step, err: err.message },
      "bigcommerce set-up failed",
    );
    return c.html(bcProblemPage("setup_failed"), BC_PROBLEMS.setup_failed.status);
  }
  m.ctx.log.info({ platform: PLATFORM, shop: hash, via }, "bigcommerce store connected");
  if (reply === "page") return showStatus(m, c, hash, access.name);
  c.header("set-cookie", statusCookie(m.ctx, PLATFORM, hash), { append: true });
  // 303: a form POST continues as a GET of the status page.
  return c.redirect(statusPath(PLATFORM, hash), 303);
}

/** The signed payload of a load / uninstall / remove_user callback, or null when refused. */
function verifiedClaims(m: Mounted, c: Context) {
  if (!m.app) return null;
  try {
    return verifySignedPayload(c.req.query("signed_payload_jwt"), m.app);
  } catch (err) {
    if (!(err instanceof InvalidSignedPayload)) throw err;
    m.ctx.log.warn(
      { platform: PLATFORM, path: c.req.path, reason: err.message },
      "bigcommerce callback refused",
    );
    return null;
  }
}

/** A server-to-server callback (uninstall, remove_user) whose signed payload was refused. */
const invalidJwt = (c: Context) =>
  jsonError(c, 401, "invalid_signature", "signed_payload_jwt missing or invalid");

/** The app install: BigCommerce sends the browser here with a one-time code. */
async function onAuth(m: Mounted, c: Context) {
  if (!m.app) return fail(m, c, "no_app", undefined, "no BIGCOMMERCE_CLIENT_ID");
  const query = AuthQuery.safeParse(c.req.query());
  if (!query.success) return fail(m, c, "bad_callback", undefined, "code, scope or context missing");
  const hash = query.data.context.slice("stores/".length);
  let granted;
  try {
    granted = await exchangeCode(m.loginUrl, m.redirectUri, query.data, m.app);
  } catch (err) {
    const refused = err instanceof LoginRefused;
    return fail(m, c, refused ? "install_refused" : "unreachable", hash, (err as Error).message);
  }
  if (granted.context !== query.data.context)
    return fail(m, c, "install_refused", hash, "token granted for another store");
  const missing = missingScopes(granted.scope);
  if (missing.length) return fail(m, c, "missing_scopes", hash, `missing ${missing.join(", ")}`, missing);
  // BigCommerce renders the answer to the auth callback in its iframe: the page, not a redirect.
  return connectWithToken(m, c, { hash, token: granted.access_token }, "app install", "page");
}

/** The merchant opens the app in the control panel: the store's progress, if it is connected. */
async function onLoad(m: Mounted, c: Context) {
  if (!m.app) return fail(m, c, "no_app", undefined, "no BIGCOMMERCE_CLIENT_ID");
  const claims = verifiedClaims(m, c);
  if (!claims) return c.html(bcProblemPage("invalid_request"), BC_PROBLEMS.invalid_request.status);
  const connection = await m.ctx.connections.get(PLATFORM, claims.storeHash);
  if (!connection || connection.status === "disconnected")
    return fail(m, c, "not_connected", claims.storeHash, "load for a store that isn't connected");
  return showStatus(m, c, claims.storeHash, connection.name);
}

/** The store's progress JSON for a page that holds a view token: answered by the one progress route. */
async function onViewProgress(m: Mounted, c: Context) {
  const hash = c.req.param("hash") ?? "";
  if (!viewAllowed(m.ctx.statusKey, hash, c.req.query("view")))
    return jsonError(
      c,
      403,
      "view_expired",
      "this view expired: open MetricsDash again from your control panel",
    );
  const cookie = statusCookie(m.ctx, PLATFORM, hash).split(";")[0]!;
  // The inner request passes connect's edge too: it comes as the browser's own host.
  return m.hono.request(new URL(`${statusPath(PLATFORM, hash)}/progress`, c.req.url), {
    headers: { cookie, host: c.req.header("host") ?? "" },
  });
}

/** Server to server: BigCommerce has already removed the app (and the hooks it made). */
async function onUninstall(m: Mounted, c: Context) {
  const claims = verifiedClaims(m, c);
  if (!claims) return invalidJwt(c);
  if (await m.ctx.connections.get(PLATFORM, claims.storeHash))
    await disconnectStore(m.ctx, PLATFORM, claims.storeHash);
  return c.json({ ok: true });
}

/** A token pasted from a store-level API account, posted from our page. */
async function onTokenForm(m: Mounted, c: Context) {
  if (!sentFromOurPage(c, m.publicOrigin))
    return fail(m, c, "cross_site", undefined, "token form posted from another site");
  const form = TokenForm.safeParse(await c.req.parseBody());
  const hash = form.success ? parseStoreHash(form.data.store_hash) : null;
  if (!form.success || !hash) return fail(m, c, "bad_hash", undefined, "store hash or token malformed");
  return connectWithToken(m, c, { hash, token: form.data.token }, "api token", "redirect");
}

export function bigCommerceFlow(config: BigCommerceFlowConfig): ConnectFlow {
  const app =
    config.BIGCOMMERCE_CLIENT_ID && config.BIGCOMMERCE_CLIENT_SECRET
      ? { clientId: config.BIGCOMMERCE_CLIENT_ID, clientSecret: config.BIGCOMMERCE_CLIENT_SECRET }
      : undefined;
  return {
    platform: PLATFORM,
    section: () => bigCommerceSection({ appInstall: Boolean(app) }),
    mount(hono: Hono, ctx: StoresContext) {
      const m: Mounted = {
        hono,
        ctx,
        app,
        apiUrl: trimSlash(config.BIGCOMMERCE_API_URL),
        loginUrl: config.BIGCOMMERCE_LOGIN_URL,
        redirectUri: `${trimSlash(config.CONNECT_PUBLIC_URL)}${AUTH_PATH}`,
        publicOrigin: new URL(config.CONNECT_PUBLIC_URL).origin,
      };
      hono.get(AUTH_PATH, (c) => onAuth(m, c));
      hono.get(LOAD_PATH, (c) => onLoad(m, c));
      hono.get(`${VIEW_PATH}/:hash`, (c) => onViewProgress(m, c));
      hono.get(UNINSTALL_PATH, (c) => onUninstall(m, c));
      // Nothing is kept per user, so there is nothing to remove; verified all the same.
      hono.get(REMOVE_USER_PATH, (c) => (verifiedClaims(m, c) ? c.json({ ok: true }) : invalidJwt(c)));
      hono.post(TOKEN_PATH, startsConnect(ctx), (c) => onTokenForm(m, c));
    },
  };
}

/**
 * Cross-site form posts are refused by what browsers say about where a request comes from: the
 * `Origin` header (or `Referer` without it) must be this service, and `Sec-Fetch-Site`, when sent,
 * must not be another site. A browser always sends one of them with a form POST; a request with
 * neither is no browser's, and is refused too.
 */
export function sentFromOurPage(c: Context, publicOrigin: string): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return false;
  const ours = new Set([publicOrigin, new URL(c.req.url).origin]);
  const origin = c.req.header("origin");
  if (origin) return ours.has(origin);
  const referer = c.req.header("referer");
  if (!referer) return false;
  try {
    return ours.has(new URL(referer).origin);
  } catch {
    return false;
  }
}
