import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sender } from "@questdb/nodejs-client";
import { QuestDb } from "../../core/questdb.ts";
import { INVENTORY_TABLES } from "../../processors/inventory/schema.ts";
import { ensureTables, ORDER_TABLES } from "../../processors/orders/schema.ts";
import { SALES_TABLES } from "../../processors/sales/schema.ts";
import { PAYMENT_TABLES } from "../../processors/payments/schema.ts";
import { SHIPMENT_TABLES } from "../../processors/shipments/schema.ts";
import { TRACKING_TABLES } from "../../processors/shipments/tracking-schema.ts";
import { RECONCILIATION_TABLE } from "../../processors/reconcile/schema.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { nodeService, type NodeService } from "../../services/node-service.ts";
import { freePort, waitFor } from "../../services/ports.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { startPagerDutyReceiver, type PagerDutyReceiver } from "./pagerduty-receiver.ts";
import { startSmtpSink } from "./smtp-sink.ts";

export const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"; // 32 characters, as PagerDuty's are

export interface AlertingStack {
  dir: string;
  nats: NatsServer;
  questdb: QuestDbServer;
  db: QuestDb;
  sender: Sender;
  smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  pagerduty: PagerDutyReceiver;
  worker: NodeService;
  apiUrl: string;
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/** NATS, QuestDB, an SMTP server, a PagerDuty receiver and the alerting worker as its own process. */
export async function startAlertingStack(
  rules: unknown[],
  { password, defaults = false }: { password?: string; defaults?: boolean } = {},
): Promise<AlertingStack> {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-alerting-"));
  const [nats, questdb, smtp, pagerduty, port] = await Promise.all([
    startNatsServer({ dir: join(dir, "nats") }),
    startQuestDbServer({ dir }),
    startSmtpSink(),
    startPagerDutyReceiver(),
    freePort(),
  ]);
  const db = new QuestDb(questdb.httpUrl);
  await ensureTables(db, [
    ...ORDER_TABLES,
    ...INVENTORY_TABLES,
    ...SALES_TABLES,
    ...PAYMENT_TABLES,
    ...SHIPMENT_TABLES,
    ...TRACKING_TABLES,
    RECONCILIATION_TABLE,
  ]);
  const rulesFile = join(dir, "rules.json");
  writeFileSync(rulesFile, JSON.stringify(rules, null, 2));
  const apiUrl = `http://127.0.0.1:${port}`;
  const worker = nodeService(
    "alerting",
    "alerting/main.ts",
    {
      ...process.env,
      NATS_URL: nats.url,
      QUESTDB_HTTP_URL: questdb.httpUrl,
      ALERTING_PORT: String(port),
      // Without a rules file, a first start writes the default rules.
      ...(defaults ? {} : { ALERT_RULES_FILE: rulesFile }),
      ALERT_EVAL_INTERVAL_MS: "250",
      PAGERDUTY_EVENTS_URL: pagerduty.url,
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      PAGERDUTY_ROUTING_KEY_BROKEN: "too-short",
      SMTP_URL: smtp.url,
      SMTP_FROM: "MetricsDash <alerts@metricsdash.test>",
      NOTIFY_BACKOFF_MS: "50",
      DASHBOARD_URL: "http://grafana.test:3000",
      ALERTING_PUBLIC_URL: apiUrl,
      LOG_LEVEL: "info",
      ...(password ? { ALERTING_ADMIN_PASSWORD: password } : {}),
    },
    {
      output: join(dir, "alerting.log"),
      ready: () =>
        waitFor(
          "alerting /healthz",
          async () => {
            try {
              const res = await fetch(`${apiUrl}/healthz`);
              const body = (await res.json()) as { lastCycleAt: string | null };
              return res.ok && body.lastCycleAt !== null;
            } catch {
              return false;
            }
          },
          30_000,
        ),
    },
  );
  await worker.start();
  const sender = await db.sender();
  return {
    dir,
    nats,
    questdb,
    db,
    sender,
    smtp,
    pagerduty,
    worker,
    apiUrl,
    async api<T>(path: string, init?: RequestInit) {
      const res = await fetch(`${apiUrl}${path}`, {
        ...init,
        headers: {
          "content-type": "application/json",
          ...(password
            ? { authorization: `Basic ${Buffer.from(`admin:${password}`).toString("base64")}` }
            : {}),
          ...init?.headers,
        },
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
    async stop() {
      await worker.stop();
      await sender.close();
      await Promise.all([nats.stop(), questdb.stop(), smtp.close(), pagerduty.close()]);
    },
  };
}

/**
 * The demo's viral product as the forecaster writes it: HOODIE at viral.myshopify.com, 4 left in one
 * location, selling 1 an hour (sells out in 4 h), reorder point 30, a week's lead time. Both the
 * reorder-point and the stockout-ETA default rules fire on it.
 */
export async function writeViralForecast(sender: Sender): Promise<void> {
  await sender
    .table("stockout_forecast")
    .symbol("platform", "shopify")
    .symbol("shop", "viral.myshopify.com")
    .symbol("sku", "HOODIE")
    .intColumn("available", 4)
    .intColumn("locations", 1)
    .floatColumn("velocity_per_hour", 1)
    .floatColumn("reorder_point", 30)
    .floatColumn("eta_hours", 4)
    .floatColumn("lead_time_days", 7)
    .at(BigInt(Date.now()) * 1000n, "us");
  await sender.flush();
}
