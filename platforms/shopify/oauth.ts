import "@shopify/shopify-api/adapters/web-api";
import {
  ApiVersion,
  BotActivityDetected,
  CookieNotFound,
  HttpResponseError,
  InvalidHmacError,
  InvalidOAuthError,
  InvalidShopError,
  LogSeverity,
  shopifyApi,
} from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import type { Logger } from "../../core/log.ts";
import { shopBaseUrl } from "./client.ts";
import { SHOPIFY_API_VERSION } from "./index.ts";

/**
 * The OAuth install, through `@shopify/shopify-api`: `begin` signs a one-minute `state` cookie and
 * redirects to the shop's approval page; `callback` checks the cookie's state against the query's
 * (timing-safe), the query's HMAC and timestamp, and the shop domain, then swaps the code for an
 * offline token. We only add what the library can't know: SHOPIFY_API_URL, so a fake or a proxy can
 * stand in for `https://<shop>` without code changes, and errors a person can act on.
 */

/** Least privilege: what the backfill and the consumed webhook topics need, nothing about customers. */
export const SCOPES = ["read_orders", "read_products", "read_inventory"] as const;
export const CALLBACK_PATH = "/auth/callback";

export interface OAuthConfig {
  apiKey: string;
  apiSecret: string;
  /** Where this service is reached by browsers and Shopify, e.g. `https://connect.metricsdash.example`. */
  appUrl: string;
  apiUrl?: string | undefined;
  log: Logger;
}

export interface Installed {
  shop: string;
  accessToken: string;
  scope: string;
  /** Headers the library set (it clears the state cookie). */
  headers: Headers;
}

/** Why an install did not complete, in words for the person at the browser. */
export type InstallProblem = "bad_domain" | "denied" | "expired" | "invalid" | "exchange_failed";

export class InstallError extends Error {
  readonly problem: InstallProblem;
  constructor(problem: InstallProblem, message: string) {
    super(message);
    this.name = "InstallError";
    this.problem = problem;
  }
}

if (SHOPIFY_API_VERSION !== ApiVersion.October26) {
  throw new Error(`SHOPIFY_API_VERSION ${SHOPIFY_API_VERSION} is not the version oauth.ts pins`);
}

export function createOAuth(config: OAuthConfig) {
  const app = new URL(config.appUrl);
  // The library builds https://<shop>/… itself; with an override, requests go to the override instead.
  setAbstractFetchFunc((input, init) =>
    fetch(rewrite(String(input instanceof Request ? input.url : input)), init),
  );
  function rewrite(url: string): string {
    if (!config.apiUrl) return url;
    const parsed = new URL(url);
    return `${shopBaseUrl(parsed.host, config.apiUrl)}${parsed.pathname}${parsed.search}`;
  }

  const api = shopifyApi({
    apiKey: config.apiKey,
    apiSecretKey: config.apiSecret,
    scopes: [...SCOPES],
    hostName: app.host,
    hostScheme: app.protocol === "http:" ? "http" : "https",
    apiVersion: ApiVersion.October26,
    isEmbeddedApp: false,
    logger: {
      level: LogSeverity.Warning,
      httpRequests: false,
      timestamps: false,
      log: async (severity, message) => {
        config.log[severity <= LogSeverity.Error ? "error" : "warn"]({ lib: "shopify-api" }, message);
      },
    },
  });

  return {
    /** `acme`, `acme.myshopify.com`, `https://acme.myshopify.com/` or an admin URL → `acme.myshopify.com`. */
    sanitizeShop(input: string): string | null {
      let text = input.trim().toLowerCase();
      text = text.replace(/^https?:\/\//, "").replace(/\/+$/, "");
      if (/^[a-z0-9][a-z0-9-]*$/.test(text)) text = `${text}.myshopify.com`;
      return api.utils.sanitizeShop(text, false);
    },

    /** The redirect to the shop's approval page, with the signed state cookie. */
    async begin(shop: string, request: Request): Promise<Response> {
      let response: Response;
      try {
        response = (await api.auth.begin({
          shop,
          callbackPath: CALLBACK_PATH,
          isOnline: false,
          rawRequest: request,
        })) as Response;
      } catch (err) {
        if (err instanceof InvalidShopError)
          throw new InstallError("bad_domain", `not a Shopify store address: ${shop}`);
        throw err;
      }
      const location = response.headers.get("location");
      if (!location) return response;
      const headers = new Headers(response.headers);
      headers.set("location", rewrite(location));
      return new Response(null, { status: response.status, headers });
    },

    /** Verifies the callback and exchanges the code for an offline access token. */
    async callback(request: Request): Promise<Installed> {
      const query = new URL(request.url).searchParams;
      if (query.get("error")) {
        throw new InstallError("denied", `the shop owner did not approve (${query.get("error")})`);
      }
      try {
        const { session, headers } = (await api.auth.callback({ rawRequest: request })) as {
          session: { shop: string; accessToken?: string; scope?: string; isOnline: boolean };
          headers: Headers;
        };
        if (!session.accessToken || session.isOnline) {
          throw new InstallError("exchange_failed", "Shopify returned no offline access token");
        }
        return { shop: session.shop, accessToken: session.accessToken, scope: session.scope ?? "", headers };
      } catch (err) {
        if (err instanceof InstallError) throw err;
        if (err instanceof CookieNotFound) throw new InstallError("expired", err.message);
        if (err instanceof InvalidShopError) throw new InstallError("bad_domain", err.message);
        if (
          err instanceof InvalidOAuthError ||
          err instanceof InvalidHmacError ||
          err instanceof BotActivityDetected
        )
          throw new InstallError("invalid", err.message);
        if (err instanceof HttpResponseError) throw new InstallError("exchange_failed", err.message);
        throw err;
      }
    },
  };
}

export type OAuth = ReturnType<typeof createOAuth>;
