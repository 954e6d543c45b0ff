import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { phpJson } from "../../../platforms/woocommerce/php-json.ts";
import type { ApiKey, KeyPermissions } from "./store.ts";

/**
 * WooCommerce's application authentication endpoint (WC_Auth, `/wc-auth/v1/<route>`), as its
 * documentation and code describe it:
 * - `authorize` needs `app_name`, `scope` (`read`, `write` or `read_write`), `user_id` (the app's own
 *   reference, handed back untouched), `return_url` and `callback_url`; a URL without `://` gets
 *   `https://`; `callback_url` must be https ("The callback_url needs to be over SSL"); any problem
 *   ends in WordPress's error page, HTTP 401, "Error: <reason>.";
 * - the page lists what the scope allows, with an Approve link (`access_granted`, carrying a nonce)
 *   and a Deny link: `return_url` with `success=0&user_id=<user_id>` added;
 * - approving creates a REST key with the scope as its permissions and POSTs, as JSON,
 *   `{key_id, user_id, consumer_key, consumer_secret, key_permissions}` to `callback_url`; unless the
 *   answer is exactly 200 it deletes the key and shows the error page; on 200 it redirects to
 *   `return_url` with `success=1&user_id=<user_id>` added (add_query_arg: not URL-encoded again).
 * Not modelled: the WordPress login step (the merchant is taken as logged in with
 * `manage_woocommerce`), and wp_safe_remote_post's refusal of loopback and private addresses, which a
 * real store applies to the callback (tests run everything on 127.0.0.1).
 */

const SCOPES: Record<KeyPermissions, string[]> = {
  read: ["View coupons", "View customers", "View orders and sales reports", "View products"],
  write: ["Create webhooks", "Create coupons", "Create customers", "Create orders", "Create products"],
  read_write: [
    "Create webhooks",
    "View and manage coupons",
    "View and manage customers",
    "View and manage orders and sales reports",
    "View and manage products",
  ],
};
const PARAMS = ["app_name", "user_id", "return_url", "callback_url", "scope"] as const;

export interface WcAuthAttempt {
  route: string;
  outcome: "page" | "granted" | "error";
  error?: string;
  keyId?: number;
  callbackStatus?: number;
}

interface Store {
  createKey(permissions: KeyPermissions, description: string): ApiKey;
  deleteKey(keyId: number): void;
  readonly authAttempts: WcAuthAttempt[];
}

class AuthError extends Error {}

/** PHP's urldecode after $_REQUEST already decoded once, then WC_Auth::get_formatted_url. */
function formattedUrl(value: string): string {
  let url = value.replace(/\+/g, " ");
  try {
    url = decodeURIComponent(url);
  } catch {
    // PHP's urldecode leaves a malformed escape as it is
  }
  if (!url.includes("://")) url = `https://${url}`;
  return url;
}

/** wc_clean: sanitize_text_field drops tags, percent-encoded octets and surrounding whitespace. */
const wcClean = (value: string) =>
  value
    .replace(/<[^>]*>/g, "")
    .replace(/%[a-f0-9]{2}/gi, "")
    .replace(/[\r\n\t ]+/g, " ")
    .trim();

/** add_query_arg: appends with `?` or `&`, values as given. */
function addQueryArg(args: Record<string, string | number>, url: string): string {
  const query = Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return `${url}${url.includes("?") ? "&" : "?"}${query}`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function wcAuth(store: Store) {
  const nonces = new Set<string>();

  function validate(query: URLSearchParams): Record<(typeof PARAMS)[number], string> {
    const data = {} as Record<(typeof PARAMS)[number], string>;
    for (const param of PARAMS) {
      const value = query.get(param);
      if (!value) throw new AuthError(`Missing parameter ${param}`);
      data[param] = value;
    }
    if (!(data.scope in SCOPES)) throw new AuthError(`Invalid scope ${wcClean(data.scope)}`);
    for (const param of ["return_url", "callback_url"] as const) {
      const url = formattedUrl(data[param]);
      if (!URL.canParse(url)) throw new AuthError(`The ${url} is not a valid URL`);
    }
    if (!/^https:\/\//i.test(formattedUrl(data.callback_url)))
      throw new AuthError("The callback_url needs to be over SSL");
    return data;
  }

  function die(res: ServerResponse, message: string) {
    res.writeHead(401, { "content-type": "text/html; charset=UTF-8" });
    res.end(
      `<!DOCTYPE html><html><head><title>Access denied</title></head><body id="error-page"><div class="wp-die-message">Error: ${escapeHtml(message)}.</div></body></html>`,
    );
  }

  async function postConsumerData(url: string, data: unknown): Promise<number> {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json;charset=UTF-8", "user-agent": "WordPress/6.7; fake" },
      body: phpJson(data),
      signal: AbortSignal.timeout(60_000),
    });
    await response.body?.cancel();
    return response.status;
  }

  return {
    async serve(url: URL, res: ServerResponse): Promise<void> {
      const route = url.pathname.slice("/wc-auth/v1/".length).replace(/\/+$/, "").toLowerCase();
      let keyId: number | undefined;
      try {
        const data = validate(url.searchParams);
        const returnUrl = formattedUrl(data.return_url);
        const userId = wcClean(data.user_id);
        if (route === "authorize") {
          const nonce = randomBytes(5).toString("hex");
          nonces.add(nonce);
          const granted = new URL("/wc-auth/v1/access_granted", url);
          for (const param of PARAMS) granted.searchParams.set(param, data[param]);
          granted.searchParams.set("wc_auth_nonce", nonce);
          const deny = addQueryArg({ success: 0, user_id: userId }, returnUrl);
          const scope = data.scope as KeyPermissions;
          const appName = escapeHtml(wcClean(data.app_name));
          store.authAttempts.push({ route, outcome: "page" });
          res.writeHead(200, { "content-type": "text/html; charset=UTF-8" });
          res.end(
            `<!DOCTYPE html><html><body class="wc-auth wp-core-ui"><h1>${appName} would like to connect to your store</h1>` +
              `<p>This will give "<strong>${appName}</strong>" <strong>${{ read: "Read", write: "Write", read_write: "Read/Write" }[scope]}</strong> access which will allow it to:</p>` +
              `<ul class="wc-auth-permissions">${SCOPES[scope].map((p) => `<li>${p}</li>`).join("")}</ul>` +
              `<p class="wc-auth-actions"><a href="${escapeHtml(granted.toString())}" class="button button-primary wc-auth-approve">Approve</a>` +
              ` <a href="${escapeHtml(deny)}" class="button wc-auth-deny">Deny</a></p></body></html>`,
          );
          return;
        }
        if (route === "access_granted") {
          const nonce = url.searchParams.get("wc_auth_nonce");
          if (!nonce || !nonces.has(nonce)) throw new AuthError("Invalid nonce verification");
          const key = store.createKey(
            data.scope as KeyPermissions,
            `${wcClean(data.app_name).slice(0, 170)} - API (${new Date().toISOString().slice(0, 19).replace("T", " ")})`,
          );
          keyId = key.keyId;
          let status: number;
          try {
            status = await postConsumerData(formattedUrl(data.callback_url), {
              key_id: key.keyId,
              user_id: data.user_id,
              consumer_key: key.consumerKey,
              consumer_secret: key.consumerSecret,
              key_permissions: key.permissions,
            });
          } catch (err) {
            throw new AuthError((err as Error).message);
          }
          if (status !== 200) {
            const error =
              "An error occurred in the request and at the time were unable to send the consumer data";
            store.authAttempts.push({ route, outcome: "error", error, keyId, callbackStatus: status });
            store.deleteKey(key.keyId);
            return die(res, error);
          }
          store.authAttempts.push({ route, outcome: "granted", keyId, callbackStatus: status });
          res.writeHead(302, { location: addQueryArg({ success: 1, user_id: userId }, returnUrl) });
          res.end();
          return;
        }
        throw new AuthError("You do not have permission to access this page");
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        if (keyId !== undefined) store.deleteKey(keyId);
        store.authAttempts.push({ route, outcome: "error", error: err.message });
        return die(res, err.message);
      }
    },
  };
}
