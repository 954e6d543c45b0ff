import { randomUUID, sign } from "node:crypto";
import { createServer } from "node:http";
import { crc32 } from "node:zlib";
import { z } from "zod";
import { usersOwn } from "../../../demo/outlet-tools.ts";
import type { DemoFollower, DemoFollowing } from "../../adapter.ts";
import { PayPalAccount } from "./account.ts";
import { makeDemoCertificates, signingKey } from "./certificate.ts";

const pem = (name: string, what: string) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined ? `${name} is required for the demo's paypal account` : undefined,
    })
    .includes(`BEGIN ${what}`, { message: `${name} must be a PEM ${what.toLowerCase()}` });

const env = z.object({
  PAYPAL_WEBHOOK_ID: z
    .string({ error: "PAYPAL_WEBHOOK_ID is required for the demo's paypal account" })
    .regex(/^[A-Z0-9]{8,64}$/, "PAYPAL_WEBHOOK_ID must be letters and digits"),
  /** The chain (leaf, then CA) the demo serves where its PAYPAL-CERT-URL points, and the leaf's key. */
  DEMO_PAYPAL_CERT_CHAIN: pem("DEMO_PAYPAL_CERT_CHAIN", "CERTIFICATE"),
  DEMO_PAYPAL_SIGNING_KEY: pem("DEMO_PAYPAL_SIGNING_KEY", "PRIVATE KEY"),
  DEMO_PAYPAL_CERT_PORT: z
    .string({ error: "DEMO_PAYPAL_CERT_PORT is required for the demo's paypal account" })
    .transform(Number)
    .pipe(z.number().int().min(1).max(65535)),
});
type Config = z.infer<typeof env>;

/** The shops whose checkout the demo's PayPal account plays (Shopify's orders are paid at Shopify). */
const CAPTURED_PLATFORMS = new Set(["woocommerce", "bigcommerce"]);
const CERT_PATH = "/v1/notifications/certs/CERT-360caa42-fca2a594-demo";

/**
 * The demo's PayPal account, unless the user set PayPal up: it captures its slice of the demo
 * WooCommerce and BigCommerce shops' paid orders and reports refunds (account.ts). Each webhook is
 * signed as PayPal signs: RSA-SHA256 over `<transmission id>|<time>|<webhook id>|<CRC32 of the
 * body>` with the key of a certificate the start command made for this run, served on loopback at
 * the PAYPAL-CERT-URL the headers name; ingest fetches it from there only (`PAYPAL_CERT_BASE_URL`)
 * and trusts its chain through `PAYPAL_CERT_CA`.
 */
export const payPalDemo: DemoFollower<typeof env> = {
  label: "PayPal",
  traffic: { slice: [0.65, 1], seedStep: 14 },
  env,
  wire: async (userEnv, tools) => {
    const skipped = usersOwn(userEnv, "PAYPAL_", "PayPal", "account");
    if (skipped) return { skipped };
    const port = Number(userEnv.DEMO_PAYPAL_CERT_PORT) || (await tools.port());
    const certs = makeDemoCertificates();
    return {
      stackEnv: {
        PAYPAL_WEBHOOK_ID: tools
          .secret()
          .replace(/[^a-z0-9]/gi, "")
          .toUpperCase()
          .slice(0, 24),
        // Plain http on loopback: ingest fetches certificates from this base only, never a host a body names.
        PAYPAL_CERT_BASE_URL: `http://127.0.0.1:${port}`,
        PAYPAL_CERT_CA: certs.caPem,
      },
      demoEnv: {
        DEMO_PAYPAL_CERT_PORT: String(port),
        DEMO_PAYPAL_CERT_CHAIN: certs.chainPem,
        DEMO_PAYPAL_SIGNING_KEY: certs.leafKeyPem,
      },
    };
  },
  open: (config, seed, webhookUrl) => openPayPal(config, seed, webhookUrl),
};

function openPayPal(config: Config, seed: number, webhookUrl: string): DemoFollowing {
  const account = new PayPalAccount(seed);
  const key = signingKey(config.DEMO_PAYPAL_SIGNING_KEY);
  const certUrl = `http://127.0.0.1:${config.DEMO_PAYPAL_CERT_PORT}${CERT_PATH}`;
  return {
    url: webhookUrl,
    headers: (_webhook, body) => {
      // A new transmission per attempt, as PayPal's retries are; signed when sent.
      const id = randomUUID();
      const time = new Date().toISOString();
      const message = `${id}|${time}|${config.PAYPAL_WEBHOOK_ID}|${crc32(Buffer.from(body, "utf8")) >>> 0}`;
      return {
        "content-type": "application/json",
        "paypal-auth-algo": "SHA256withRSA",
        "paypal-cert-url": certUrl,
        "paypal-transmission-id": id,
        "paypal-transmission-time": time,
        "paypal-transmission-sig": sign("sha256", Buffer.from(message, "utf8"), key).toString("base64"),
      };
    },
    orderPaid(order, at) {
      if (CAPTURED_PLATFORMS.has(order.platform)) account.orderPaid(order, at);
    },
    orderCancelled(order, at) {
      if (CAPTURED_PLATFORMS.has(order.platform)) account.orderCancelled(order, at);
    },
    advance: (until) => account.advance(until),
    serve: async (log) => {
      const server = createServer((req, res) => {
        const found = req.method === "GET" && req.url === CERT_PATH;
        res.writeHead(found ? 200 : 404, { "content-type": "application/x-pem-file" });
        res.end(found ? config.DEMO_PAYPAL_CERT_CHAIN : "");
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.DEMO_PAYPAL_CERT_PORT, "127.0.0.1", () => resolve());
      });
      log.info({ certUrl }, "demo store: PayPal signing certificate serving");
      return () => new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
