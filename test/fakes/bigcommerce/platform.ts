import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeBigCommerce } from "./store.ts";

/**
 * BigCommerce as a single-click app sees it, built from BigCommerce's developer documentation
 * ("Single-Click App OAuth Flow", "Single-Click App Callback Handlers", "Webhooks Overview"): many
 * stores behind one API host (`/stores/{hash}/v2|v3/…`) and the login server in front of them.
 * - The app is registered in the Developer Portal with a client id and secret, its OAuth scopes, and
 *   its auth, load and uninstall callback URLs (`registerApp`).
 * - A merchant who clicks Install approves every scope (no picking) and their browser is sent to the
 *   auth callback with `code`, `scope` (space-separated), `context=stores/{hash}` and `account_uuid`
 *   (`clickInstall` returns that URL: the test plays the browser).
 * - The app exchanges the code at `POST /oauth2/token` (JSON: client_id, client_secret, code, scope,
 *   grant_type=authorization_code, redirect_uri = the registered auth callback, context) for
 *   `{access_token, scope, user:{id,username,email}, owner:{…}, context, account_uuid}`. The fake
 *   answers an unknown, used or expired code, a wrong secret, a different redirect_uri or context
 *   with 400 (the docs give no error body or code lifetime: `codeTtlMs` stands in, one-minute default).
 * - Opening the app sends the browser to the load callback with `signed_payload_jwt`, an HS256 JWT
 *   signed with the client secret: `{aud: client_id, iss: "bc", iat, nbf = iat, exp = iat + 24 h,
 *   jti, sub: "stores/{hash}", user:{id,email,locale}, owner:{id,email}, url, channel_id}`.
 * - Uninstalling: BigCommerce's server calls the uninstall callback with such a JWT, deletes the
 *   hooks the app created on the store, and the app's token stops working.
 * The OAuth user's details are personal data, so tests can prove none of it is kept.
 */

export const BC_APP_USER = {
  id: 24654,
  username: "bc.app.installer@example.org",
  email: "bc.app.installer@example.org",
};

export interface FakeApp {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  authCallback: string;
  loadCallback: string;
  uninstallCallback: string;
}

interface IssuedCode {
  store: string;
  scope: string;
  expiresAt: number;
  used: boolean;
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** HS256 as RFC 7515 defines it, written here apart from the code under test. */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const head = `${b64url(JSON.stringify({ typ: "JWT", alg: "HS256" }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

export class FakeBigCommercePlatform {
  readonly url: string;
  readonly stores = new Map<string, FakeBigCommerce>();
  app: FakeApp | undefined;
  readonly accountUuid = randomUUID();
  codeTtlMs = 60_000;
  private readonly codes = new Map<string, IssuedCode>();
  /** Tokens handed to the app, for tests to look for where they must not be. */
  readonly issuedTokens: string[] = [];
  /** Calls to the token endpoint and how they were answered. */
  readonly exchanges: { status: number; error?: string }[] = [];
  private readonly server: Server;

  private constructor(server: Server, url: string) {
    this.server = server;
    this.url = url;
  }

  static async start(): Promise<FakeBigCommercePlatform> {
    const holder: { platform?: FakeBigCommercePlatform } = {};
    const server = createServer((req, res) =>
      holder.platform!.serve(req, res).catch((err: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: 500, title: String(err) }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    holder.platform = new FakeBigCommercePlatform(server, `http://127.0.0.1:${port}`);
    return holder.platform;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Both the API host and the login server (`BIGCOMMERCE_API_URL`, `BIGCOMMERCE_LOGIN_URL`). */
  get apiUrl(): string {
    return this.url;
  }
  get loginUrl(): string {
    return this.url;
  }

  addStore(hash: string): FakeBigCommerce {
    const store = new FakeBigCommerce(undefined, this.url, hash);
    this.stores.set(hash, store);
    return store;
  }

  /** The app profile in the Developer Portal. */
  registerApp(app: FakeApp): void {
    this.app = app;
  }

  private get registered(): FakeApp {
    if (!this.app) throw new Error("register the app first");
    return this.app;
  }

  /** The merchant clicks Install and approves: the auth callback URL their browser is sent to. */
  clickInstall(hash: string): string {
    const app = this.registered;
    if (!this.stores.has(hash)) throw new Error(`no store ${hash}`);
    const code = randomBytes(12).toString("hex");
    const scope = app.scopes.join(" ");
    this.codes.set(code, { store: hash, scope, expiresAt: Date.now() + this.codeTtlMs, used: false });
    const url = new URL(app.authCallback);
    url.searchParams.set("account_uuid", this.accountUuid);
    url.searchParams.set("code", code);
    url.searchParams.set("context", `stores/${hash}`);
    url.searchParams.set("scope", scope);
    return url.toString();
  }

  /** The signed_payload_jwt of a callback for `hash`, as BigCommerce signs it. */
  payload(
    hash: string,
    overrides: Record<string, unknown> = {},
    secret = this.registered.clientSecret,
  ): string {
    const iat = Math.floor(Date.now() / 1000);
    return signJwt(
      {
        aud: this.registered.clientId,
        iss: "bc",
        iat,
        nbf: iat,
        exp: iat + 86_400,
        jti: randomUUID(),
        sub: `stores/${hash}`,
        user: { id: BC_APP_USER.id, email: BC_APP_USER.email, locale: "en-US" },
        owner: { id: BC_APP_USER.id, email: BC_APP_USER.email },
        url: "/",
        channel_id: null,
        ...overrides,
      },
      secret,
    );
  }

  /** The merchant opens the app: the load callback URL their browser is sent to. */
  clickLoad(hash: string): string {
    const url = new URL(this.registered.loadCallback);
    url.searchParams.set("signed_payload_jwt", this.payload(hash));
    return url.toString();
  }

  /** The merchant uninstalls: BigCommerce's server calls the uninstall callback, then removes the app. */
  async clickUninstall(hash: string): Promise<number> {
    const url = new URL(this.registered.uninstallCallback);
    url.searchParams.set("signed_payload_jwt", this.payload(hash));
    const response = await fetch(url, { headers: { accept: "application/json" } });
    await response.body?.cancel();
    this.stores.get(hash)?.removeAccount(this.appAccount);
    return response.status;
  }

  private get appAccount(): string {
    return `app:${this.registered.clientId}`;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (url.pathname === "/oauth2/token") return this.token(req, res, Buffer.concat(chunks).toString("utf8"));
    const match = /^\/stores\/([^/]+)(\/.*)$/.exec(url.pathname);
    const store = match ? this.stores.get(match[1]!) : undefined;
    if (!match || !store) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: 404, title: "Store not found" }));
      return;
    }
    await store.handle(req, res, url, match[2]!, chunks);
  }

  private token(req: IncomingMessage, res: ServerResponse, body: string): void {
    const refuse = (error: string) => {
      this.exchanges.push({ status: 400, error });
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error }));
    };
    if (req.method !== "POST") return refuse("POST only");
    let input: Record<string, unknown>;
    try {
      input = String(req.headers["content-type"]).includes("json")
        ? (JSON.parse(body) as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(body));
    } catch {
      return refuse("body is not JSON");
    }
    const app = this.app;
    if (!app || input.client_id !== app.clientId || input.client_secret !== app.clientSecret)
      return refuse("Invalid client credentials");
    if (input.grant_type !== "authorization_code") return refuse("Invalid grant type");
    if (input.redirect_uri !== app.authCallback) return refuse("Invalid redirect_uri");
    const code = this.codes.get(String(input.code));
    if (!code || code.used || Date.now() > code.expiresAt) return refuse("Invalid verification code");
    code.used = true; // single use, even when the rest of the request is wrong
    if (input.context !== `stores/${code.store}`) return refuse("Invalid context");
    if (input.scope !== code.scope) return refuse("Invalid scope");
    const store = this.stores.get(code.store)!;
    // A new grant replaces the app's token for the store (its hooks stay: they belong to the app).
    for (const [token, grant] of store.tokens)
      if (grant.account === this.appAccount) store.tokens.delete(token);
    const accessToken = randomBytes(16).toString("hex");
    store.tokens.set(accessToken, { account: this.appAccount, scopes: code.scope.split(" ") });
    this.issuedTokens.push(accessToken);
    this.exchanges.push({ status: 200 });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        access_token: accessToken,
        scope: code.scope,
        user: BC_APP_USER,
        owner: BC_APP_USER,
        context: `stores/${code.store}`,
        account_uuid: this.accountUuid,
      }),
    );
  }
}
