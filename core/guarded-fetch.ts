import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { z } from "zod";

/**
 * The one way to call a host that a user or a payload names (a WooCommerce site typed on the
 * anonymous connect page, the `home` its REST index gives): without it, a redirect or a DNS name
 * pointing at 127.0.0.1 reaches QuestDB's `/exec` or NATS from inside. Each request:
 *
 * - goes to https only (plain http only when the policy allows it, for local fakes in tests);
 * - connects only to public addresses: the address checked is the one the socket connects to
 *   (the check sits in the socket's DNS lookup), so a name that resolves differently the second
 *   time can't slip past; private, loopback, link-local and other special ranges are refused
 *   unless the host is allow-listed;
 * - follows redirects itself, each hop checked the same way, at most `maxRedirects`;
 * - reads at most `maxBytes` of the answer within `timeoutMs` in all.
 */

/** Why a guarded request was refused: matched by type and code, never by message. */
export type OutboundRefusal =
  "scheme" | "private_address" | "too_many_redirects" | "too_large" | "timeout" | "bad_redirect";

export class OutboundRefused extends Error {
  readonly code: OutboundRefusal;
  constructor(code: OutboundRefusal, message: string) {
    super(message);
    this.name = "OutboundRefused";
    this.code = code;
  }
}

const list = z
  .string()
  .default("")
  .transform((text) =>
    text
      .split(",")
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean),
  );

/** The operator's policy, from the environment (read once, checked with zod naming the variable). */
export const outboundEnv = z.object({
  /** `true` lets plain http through: local fakes in tests, a store on a LAN without TLS. */
  OUTBOUND_ALLOW_HTTP: z.enum(["true", "false"]).default("false"),
  /** Host names or addresses that may resolve to private or loopback addresses (a store on the LAN). */
  OUTBOUND_PRIVATE_HOSTS: list,
});

export interface OutboundPolicy {
  allowHttp: boolean;
  /** Lower-case host names or literal addresses allowed to be private. */
  privateHosts: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

export const DEFAULT_LIMITS = { maxBytes: 8 * 1024 * 1024, timeoutMs: 30_000, maxRedirects: 5 };

let fromEnv: Pick<OutboundPolicy, "allowHttp" | "privateHosts"> | undefined;

/** The policy from the environment with `limits` over the defaults. */
export function outboundPolicy(limits: Partial<typeof DEFAULT_LIMITS> = {}): OutboundPolicy {
  if (!fromEnv) {
    const parsed = outboundEnv.safeParse(process.env);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${issue.path.join(".")}: ${issue.message}`);
    }
    fromEnv = {
      allowHttp: parsed.data.OUTBOUND_ALLOW_HTTP === "true",
      privateHosts: parsed.data.OUTBOUND_PRIVATE_HOSTS,
    };
  }
  return { ...fromEnv, ...DEFAULT_LIMITS, ...limits };
}

/** Ranges no user-named host may reach: RFC 6890's special-purpose blocks, IPv4 and IPv6. */
const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  blocked.addSubnet(net, prefix, "ipv6");

/** Whether an address is in a private or special range (IPv4-mapped IPv6 as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) return blocked.check(address, "ipv6");
  return true;
}

/** A DNS lookup that fails the connection when any address it would use is private. */
function guardedLookup(host: string, policy: OutboundPolicy): LookupFunction {
  const allowed = policy.privateHosts.includes(host.toLowerCase());
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      const refused = allowed ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused)
        return callback(
          new OutboundRefused(
            "private_address",
            `${hostname} resolves to ${refused.address}, a private address`,
          ),
          "",
          0,
        );
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** Checks a URL against the policy before any connection: scheme, and a literal private address. */
function checkTarget(url: URL, policy: OutboundPolicy): void {
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowHttp))
    throw new OutboundRefused("scheme", `${url.protocol}// is not allowed for ${url.host}`);
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isIP(host) && isPrivateAddress(host) && !policy.privateHosts.includes(host))
    throw new OutboundRefused("private_address", `${host} is a private address`);
}

export interface GuardedInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A fetch whose target was named by someone outside: same answer as `fetch` (a `Response` with
 * the body already read, at most `maxBytes`), or `OutboundRefused`.
 *
 * @example
 * const response = await guardedFetch(`${site}/wp-json/`, {}, outboundPolicy({ timeoutMs: 15_000 }));
 */
export async function guardedFetch(
  target: string,
  init: GuardedInit = {},
  policy: OutboundPolicy = outboundPolicy(),
): Promise<Response> {
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  let url = new URL(target);
  let method = init.method ?? "GET";
  let body = init.body;
  let headers = init.headers ?? {};
  for (let hop = 0; ; hop++) {
    checkTarget(url, policy);
    const answer = await once(
      url,
      { method, headers, ...(body === undefined ? {} : { body }) },
      policy,
      deadline,
    );
    const location = answer.headers.get("location");
    if (answer.status < 300 || answer.status > 399 || answer.status === 304 || !location)
      return answer.response;
    if (hop >= policy.maxRedirects)
      throw new OutboundRefused(
        "too_many_redirects",
        `more than ${policy.maxRedirects} redirects from ${target}`,
      );
    if (!URL.canParse(location, url.toString()))
      throw new OutboundRefused("bad_redirect", `${url.host} redirected to an invalid address`);
    const next = new URL(location, url);
    // A store's REST keys travel in `authorization`: never to another origin than the one named.
    if (next.origin !== url.origin) headers = withoutCredentials(headers);
    url = next;
    // As browsers and fetch do: 303, and 301/302 after a POST, continue as a GET without the body.
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === "POST")) {
      method = "GET";
      body = undefined;
    }
  }
}

const withoutCredentials = (headers: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(headers).filter(([name]) => !["authorization", "cookie"].includes(name.toLowerCase())),
  );

interface Answer {
  status: number;
  headers: Headers;
  response: Response;
}

function once(url: URL, init: GuardedInit, policy: OutboundPolicy, deadline: AbortSignal): Promise<Answer> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<Answer>((resolve, reject) => {
    const timedOut = () =>
      new OutboundRefused("timeout", `${url.host} did not answer within ${policy.timeoutMs} ms`);
    if (deadline.aborted) return reject(timedOut());
    const req = request(url, {
      method: init.method,
      headers: {
        ...init.headers,
        ...(init.body === undefined ? {} : { "content-length": String(Buffer.byteLength(init.body)) }),
      },
      lookup: guardedLookup(url.hostname, policy),
      // A fresh socket per request: a pooled one would skip the lookup, and with it the check.
      agent: false,
      signal: deadline,
    });
    req.on("error", (err) => reject(deadline.aborted ? timedOut() : err));
    req.on("response", (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > policy.maxBytes) {
          req.destroy();
          reject(new OutboundRefused("too_large", `${url.host} answered more than ${policy.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", (err) => reject(deadline.aborted ? timedOut() : err));
      res.on("end", () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (Array.isArray(value)) for (const v of value) headers.append(name, v);
          else if (value !== undefined) headers.set(name, value);
        }
        const status = res.statusCode ?? 0;
        const empty = status === 204 || status === 304 || (status >= 100 && status < 200);
        const response = new Response(empty ? null : Buffer.concat(chunks), { status, headers });
        Object.defineProperty(response, "url", { value: url.toString() });
        resolve({ status, headers, response });
      });
    });
    if (init.body !== undefined) req.end(init.body);
    else req.end();
  });
}
