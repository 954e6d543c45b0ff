import { createHash, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import { basicAuth } from "hono/basic-auth";
import { pageOf, SiteId } from "../../core/interaction.ts";
import type { Logger } from "../../core/log.ts";
import { jsonError } from "../errors.ts";
import type { BehaviourConfig } from "./config.ts";
import { RateLimiter } from "../../core/rate-limit.ts";
import { heatmapToken } from "./token.ts";

/** How long a link opened from a dashboard shows the heatmap. */
export const OPENED_TOKEN_SECONDS = 2 * 3600;
/** Attempts per client address per minute: enough for a person, too few to guess a password. */
const ATTEMPTS_PER_MINUTE = 20;

const digest = (text: string) => createHash("sha256").update(text).digest();
const samePassword = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/**
 * `GET /heatmap/open?site=<id>&page=<path>`: the dashboard's "open the heatmap" link. Grafana never
 * holds HEATMAP_TOKEN_KEY; the person who follows the link proves they may see heatmaps with
 * HEATMAP_OPEN_PASSWORD (HTTP Basic; the browser asks once per visit, any user name), and the behaviour process
 * mints a short token for that site alone and redirects to the page on the site's first origin —
 * never anywhere else, so the endpoint cannot be used as an open redirect.
 */
export function heatmapOpenRoutes(
  config: BehaviourConfig,
  address: (c: Context) => string,
  log: Logger,
  /** The first origin of a site: the environment's sites unless it follows connected ones too. */
  firstOrigin: (site: string) => string | undefined = (site) => config.BEHAVIOUR_SITES[site]?.origins[0],
): Hono {
  const routes = new Hono();
  const attempts = new RateLimiter(ATTEMPTS_PER_MINUTE, ATTEMPTS_PER_MINUTE / 60_000);
  const key = config.HEATMAP_TOKEN_KEY;
  const password = config.HEATMAP_OPEN_PASSWORD;

  routes.use("/heatmap/open", async (c, next) => {
    if (!key || !password)
      return jsonError(
        c,
        404,
        "overlay_links_off",
        "HEATMAP_TOKEN_KEY and HEATMAP_OPEN_PASSWORD must both be set",
      );
    if (!attempts.take(address(c)))
      return jsonError(c, 429, "rate_limited", "too many attempts from this client");
    await next();
  });
  routes.use(
    "/heatmap/open",
    basicAuth({
      realm: "MetricsDash heatmaps",
      verifyUser: (_user, given) => samePassword(given, password ?? ""),
    }),
  );
  routes.get("/heatmap/open", (c) => {
    const site = SiteId.safeParse(c.req.query("site") ?? "");
    const origin = site.success ? firstOrigin(site.data) : undefined;
    if (!site.success || !origin) return jsonError(c, 404, "unknown_site", "site is not configured", "site");
    const page = pageOf(c.req.query("page") ?? "");
    const target = page.startsWith("/") && page.length <= 600 ? new URL(page, origin) : undefined;
    if (!target || target.origin !== origin)
      return jsonError(c, 400, "invalid_page", "page must be a path", "page");
    target.searchParams.set("md_heatmap", heatmapToken(key!, site.data, OPENED_TOKEN_SECONDS));
    log.info({ site: site.data, page }, "heatmap link opened");
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    return c.redirect(target.toString(), 302);
  });
  return routes;
}
