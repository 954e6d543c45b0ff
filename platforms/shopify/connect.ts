import type { Hono } from "hono";
import type { ConnectFlow } from "../../connect/flow.ts";
import { connectPage } from "../../connect/pages.ts";
import { statusCookie, statusPath, type StoresContext } from "../../connect/stores.ts";
import type { ConnectShared } from "../adapter.ts";
import { mountAppWebhooks } from "./app-webhooks.ts";
import { shopifyProblemPage, SHOPIFY_PROBLEMS, shopifySection } from "./connect-pages.ts";
import type { ShopifyConnectEnv } from "./connect-env.ts";
import { PLATFORM } from "./constants.ts";
import { ShopifyHistory } from "./history.ts";
import { shopifyHistoryReader } from "./history-status.ts";
import { installShop } from "./install.ts";
import { CALLBACK_PATH, createOAuth, InstallError, type OAuth } from "./oauth.ts";
import { ShopifyCheckpoints } from "./checkpoints.ts";
import { migrateLegacyTokens } from "./legacy-tokens.ts";

/**
 * Connecting a Shopify shop: the OAuth install of the app (SHOPIFY_API_KEY), its history (a bulk
 * export, reported in the one progress shape), and the app's own webhooks (uninstall and the privacy
 * topics). The shop's status page is every store's (`/stores/shopify/<shop>`). Declared by the Shopify module as its
 * `connect` flow and mounted by the connect service like every other source's.
 */

interface Mounted {
  env: ShopifyConnectEnv;
  oauth: OAuth;
  checkpoints: ShopifyCheckpoints;
  history: ShopifyHistory;
  ctx: StoresContext;
}

export async function shopifyFlow(env: ShopifyConnectEnv, shared: ConnectShared): Promise<ConnectFlow> {
  const oauth = createOAuth({
    apiKey: env.SHOPIFY_API_KEY,
    apiSecret: env.SHOPIFY_API_SECRET,
    appUrl: shared.connectUrl,
    apiUrl: env.SHOPIFY_API_URL,
    log: shared.log,
  });
  const checkpoints = await ShopifyCheckpoints.open(shared.bucket);
  let mounted: Mounted | undefined;
  return {
    platform: PLATFORM,
    section: (query) => shopifySection({ shop: query?.("shop") ?? "" }),
    mount(app, ctx) {
      const history = new ShopifyHistory(
        { checkpoints, connections: ctx.connections, publish: ctx.publish, log: ctx.log },
        {
          pageSize: env.BACKFILL_PAGE_SIZE,
          pollMs: env.BACKFILL_POLL_MS,
          customerHashKey: ctx.customerHashKey,
        },
      );
      mounted = { env, oauth, checkpoints, history, ctx };
      mountInstall(app, mounted, shared);
      mountOldStatus(app);
      mountAppWebhooks(app, {
        apiSecret: env.SHOPIFY_API_SECRET,
        customerHashKey: ctx.customerHashKey,
        sanitizeShop: (input) => oauth.sanitizeShop(input),
        connections: ctx.connections,
        checkpoints,
        history,
        db: ctx.db,
        log: ctx.log,
      });
    },
    // Tokens an older version kept in `shop_tokens` move into `connections` before any history resumes.
    async start() {
      if (!mounted) throw new Error("the Shopify flow starts once mounted");
      await migrateLegacyTokens({
        bucket: shared.bucket,
        sealKey: shared.sealKey,
        connections: mounted.ctx.connections,
        apiUrl: env.SHOPIFY_API_URL,
        log: mounted.ctx.log,
      });
      return mounted.history.resumeAll();
    },
    stop: async () => mounted?.history.stopAll(),
    historyStatus: shopifyHistoryReader(checkpoints).status,
  };
}

/** The address form's target, then Shopify's callback: the token kept, the shop set up, its status page. */
function mountInstall(app: Hono, m: Mounted, shared: ConnectShared): void {
  const { oauth, ctx } = m;

  app.get("/connect", async (c) => {
    const typed = c.req.query("shop") ?? "";
    const shop = oauth.sanitizeShop(typed);
    if (!shop) {
      const error = `“${typed}” isn't a Shopify store address. ${SHOPIFY_PROBLEMS.bad_domain.text}`;
      return c.html(shopifyConnectPage(typed, error), 400);
    }
    return oauth.begin(shop, c.req.raw);
  });

  app.get(CALLBACK_PATH, async (c) => {
    const shopParam = c.req.query("shop") ?? undefined;
    let granted;
    try {
      granted = await oauth.callback(c.req.raw);
    } catch (err) {
      if (!(err instanceof InstallError)) throw err;
      ctx.log.warn({ shop: shopParam, problem: err.problem, reason: err.message }, "install not completed");
      return c.html(shopifyProblemPage(err.problem, shopParam), SHOPIFY_PROBLEMS[err.problem].status);
    }
    try {
      await installShop(granted, {
        connections: ctx.connections,
        checkpoints: m.checkpoints,
        history: m.history,
        publish: ctx.publish,
        log: ctx.log,
        apiUrl: m.env.SHOPIFY_API_URL,
        ingestUrl: ctx.ingestUrl,
        connectUrl: shared.connectUrl,
        backfillDays: ctx.backfillDays,
        backfillMode: m.env.BACKFILL_MODE,
      });
    } catch (err) {
      ctx.log.error({ shop: granted.shop, err: (err as Error).message }, "install set-up failed");
      return c.html(shopifyProblemPage("setup_failed", granted.shop), SHOPIFY_PROBLEMS.setup_failed.status);
    }
    const headers = new Headers(granted.headers);
    headers.set("location", statusPath(PLATFORM, granted.shop));
    headers.append("set-cookie", statusCookie(ctx, PLATFORM, granted.shop));
    return new Response(null, { status: 302, headers });
  });
}

/** The connect page again, with only the Shopify block and what was wrong with the typed address. */
function shopifyConnectPage(typed: string, error: string) {
  return connectPage({ sections: [shopifySection({ shop: typed, error })] });
}

/** The status page's old address (`/status/<shop>`), in bookmarks and the app's listing: the one status page now. */
function mountOldStatus(app: Hono): void {
  app.get("/status/:shop", (c) => c.redirect(statusPath(PLATFORM, c.req.param("shop")), 301));
}
