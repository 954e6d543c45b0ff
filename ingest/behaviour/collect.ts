import { createHash } from "node:crypto";
import { clientAddress } from "../../core/behind-proxy.ts";
import { readFileSync } from "node:fs";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { Beacon, interactionBatch, pageOf } from "../../core/interaction.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import type { BehaviourConfig } from "./config.ts";
import { readHeatmap } from "./heatmap.ts";
import { heatmapOpenRoutes } from "./open-link.ts";
import type { PublishInteractions } from "./publish.ts";
import { RateLimiter } from "../../core/rate-limit.ts";
import { BehaviourSites } from "./sites.ts";
import { verifyHeatmapToken } from "./token.ts";
import { isBot, VisitorHash } from "./visitor.ts";
import { jsonError } from "../errors.ts";

export interface CollectOptions {
  config: BehaviourConfig;
  publish: PublishInteractions;
  /** Where the overlay's aggregates are read. */
  db: QuestDb;
  log: Logger;
  /** The sites accepted; the behaviour process passes the ones it follows in KV, tests the environment's alone. */
  sites?: BehaviourSites;
}

const TYPES = ["text/plain", "application/json"];
const SDK_SOURCE = readFileSync(new URL("../../sdk/dist/sdk.js", import.meta.url), "utf8");
export const SDK_VERSION = createHash("sha256").update(SDK_SOURCE).digest("hex").slice(0, 12);

function allowOrigin(c: Context, origin: string) {
  c.header("Access-Control-Allow-Origin", origin);
  c.header("Vary", "Origin");
}

/**
 * The browser SDK's endpoints: `GET /sdk.js` (and `/sdk/<version>.js`, cached for a year),
 * `POST /collect` for beacons, `GET /heatmap` for the overlay. `/collect` checks in order, cheapest
 * first: client rate (429), type (415), size (413), JSON and fields (400), site (403), origin (403),
 * site rate (429); then publishes one canonical batch to the BEHAVIOUR stream, 202 after the ack.
 */
export function collectRoutes({ config, publish, db, log, sites: given }: CollectOptions): Hono {
  const routes = new Hono();
  const sites = given ?? new BehaviourSites(config.BEHAVIOUR_SITES, config.BEHAVIOUR_CONNECTED_SITES_MAX);
  const clients = new RateLimiter(config.BEHAVIOUR_CLIENT_RATE, config.BEHAVIOUR_CLIENT_RATE / 60_000);
  const perSite = new RateLimiter(config.BEHAVIOUR_SITE_RATE * 2, config.BEHAVIOUR_SITE_RATE / 1000);
  const visitors = new VisitorHash();
  const maxBytes = config.BEHAVIOUR_BEACON_MAX_BYTES;

  const script = (c: Context, cache: string) => {
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Cache-Control", cache);
    c.header("ETag", `"${SDK_VERSION}"`);
    c.header("X-MetricsDash-SDK-Version", SDK_VERSION);
    c.header("Access-Control-Allow-Origin", "*");
    if (c.req.header("if-none-match") === `"${SDK_VERSION}"`) return c.body(null, 304);
    return c.body(SDK_SOURCE);
  };
  // The pasted tag names /sdk.js: a day in caches, then revalidated; a versioned URL never changes.
  routes.get("/sdk.js", (c) => script(c, "public, max-age=86400, stale-while-revalidate=604800"));
  routes.get(`/sdk/${SDK_VERSION}.js`, (c) => script(c, "public, max-age=31536000, immutable"));

  const preflight = (headers: string) => (c: Context) => {
    const origin = c.req.header("origin") ?? "";
    if (!sites.hasOrigin(origin)) return c.body(null, 403);
    allowOrigin(c, origin);
    c.header("Access-Control-Allow-Methods", "GET, POST");
    c.header("Access-Control-Allow-Headers", headers);
    c.header("Access-Control-Max-Age", "86400");
    return c.body(null, 204);
  };
  routes.options("/collect", preflight("content-type"));
  routes.options("/heatmap", preflight("authorization"));

  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => jsonError(c, 413, "payload_too_large", `body exceeds ${maxBytes} bytes`),
  });

  routes.post(
    "/collect",
    async (c, next) => {
      const address = clientAddress(c, config.BEHAVIOUR_TRUST_PROXY);
      if (!clients.take(address))
        return jsonError(c, 429, "rate_limited", "too many beacons from this client");
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!TYPES.includes(type))
        return jsonError(c, 415, "unsupported_media_type", `expected text/plain or application/json`);
      await next();
    },
    limit,
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return jsonError(c, 400, "invalid_json", "body is not JSON");
      }
      const parsed = Beacon.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join(".") || "(body)";
        return jsonError(c, 400, "invalid_beacon", `${field}: ${issue.message}`, field);
      }
      const beacon = parsed.data;
      const known = sites.get(beacon.site);
      if (!known) return jsonError(c, 403, "unknown_site", "site is not configured", "site");
      const { site, funnel } = known;
      const origin = c.req.header("origin") ?? "";
      if (!site.origins.includes(origin))
        return jsonError(c, 403, "origin_not_allowed", "origin is not one of the site's origins");
      allowOrigin(c, origin);
      if (!perSite.take(beacon.site))
        return jsonError(c, 429, "rate_limited", "too many beacons for this site");

      const userAgent = (c.req.header("user-agent") ?? "").slice(0, 512);
      const address = clientAddress(c, config.BEHAVIOUR_TRUST_PROXY);
      const batch = interactionBatch(beacon, {
        shop: site.shop,
        platform: site.platform,
        visitor: visitors.of(beacon.site, address, userAgent),
        bot: isBot(userAgent),
        receivedMs: Date.now(),
        step: funnel(pageOf(beacon.path)),
      });
      try {
        const { duplicate } = await publish(batch);
        return c.json({ ok: true, duplicate }, 202);
      } catch (err) {
        log.error({ site: beacon.site, err: (err as Error).message }, "behaviour publish failed");
        return jsonError(c, 503, "unavailable", "event store unavailable");
      }
    },
  );

  routes.route(
    "/",
    heatmapOpenRoutes(
      config,
      (c) => clientAddress(c, config.BEHAVIOUR_TRUST_PROXY),
      log,
      (id) => sites.get(id)?.site.origins[0],
    ),
  );
  routes.get("/heatmap", async (c) => {
    const key = config.HEATMAP_TOKEN_KEY;
    if (!key) return jsonError(c, 404, "overlay_off", "HEATMAP_TOKEN_KEY is not set");
    const token = (c.req.header("authorization") ?? "").replace(/^Bearer /, "");
    const grant = verifyHeatmapToken(key, token);
    const siteId = c.req.query("site") ?? "";
    const page = pageOf(c.req.query("path") ?? "");
    if (!grant || grant.site !== siteId)
      return jsonError(c, 401, "invalid_token", "heatmap token missing, invalid or expired");
    const site = sites.get(siteId)?.site;
    const origin = c.req.header("origin") ?? "";
    if (site?.origins.includes(origin)) allowOrigin(c, origin);
    if (!page.startsWith("/") || page.length > 600) return jsonError(c, 400, "invalid_path", "path", "path");
    return c.json(await readHeatmap(db, siteId, page));
  });

  return routes;
}
