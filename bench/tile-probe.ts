import { renderQuery } from "../grafana/interpolate.ts";
import { metricComparison } from "../grafana/sql/one-shop.ts";
import type { QuestDb } from "../core/questdb.ts";
import { OrderWebhooks } from "./corpus.ts";
import { now, sleep } from "./measure.ts";

/**
 * Webhook → Live sales tile freshness: one shop's orders go in one at a time, and the "Orders today"
 * tile's own SQL (Grafana's macros expanded as the plugin expands them) is polled until it counts
 * each. One at a time, so the k-th order counted is the k-th sent: the probe is exact, and whatever
 * else the pipeline carries meanwhile is the load it is measured under.
 */
export class TileProbe {
  /** When each accepted probe order was sent. */
  readonly sentAt: number[] = [];
  /** How long ingest took to answer each (verify, publish, JetStream ack). */
  readonly answeredMs: number[] = [];
  refused = 0;
  private readonly db: QuestDb;
  private readonly ingestUrl: string;
  private readonly shop: string;
  private readonly everyMs: number;

  /** The shop must be in SHOP_TIMEZONES as UTC: the tile is read in UTC. */
  constructor(db: QuestDb, ingestUrl: string, shop: string, everyMs = 200) {
    this.db = db;
    this.ingestUrl = ingestUrl;
    this.shop = shop;
    this.everyMs = everyMs;
  }

  /** The tile's count of today's orders. */
  async tileCount(): Promise<number> {
    const sql = renderQuery(metricComparison("orders"), {
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 60_000),
      maxDataPoints: 100,
      variables: { shop: this.shop, shop_platform: "shopify", tz: "UTC", minor: "100" },
    });
    return Number((await this.db.rows(sql))[0]?.Today ?? 0);
  }

  /** The shop's rows in `orders`: the processors' write, before the tile's `sales_1m` and its SQL. */
  async ordersRowCount(): Promise<number> {
    const rows = await this.db.rows(`SELECT count() n FROM orders WHERE shop = '${this.shop}'`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Sends an order every `everyMs` until `until()`. */
  async send(until: () => boolean): Promise<void> {
    const corpus = new OrderWebhooks(this.shop, Date.now() % 1_000_000_000);
    while (!until()) {
      const webhook = corpus.next();
      const at = now();
      const response = await fetch(`${this.ingestUrl}/webhooks/shopify`, {
        method: "POST",
        headers: webhook.headers,
        body: webhook.body,
      });
      await response.body?.cancel();
      if (response.ok) {
        this.sentAt.push(at);
        this.answeredMs.push(now() - at);
      } else this.refused++;
      await sleep(Math.max(0, this.everyMs - (now() - at)));
    }
  }

  /**
   * Polls `counted` (the tile by default): when it first shows `base` + k orders, the first k sent
   * are fresh at that instant. Ends once `done()` and every order is seen, or 30 s after the last.
   */
  async watch(
    done: () => boolean,
    base = 0,
    counted: () => Promise<number> = () => this.tileCount(),
  ): Promise<number[]> {
    const { sentAt } = this;
    const seen: number[] = [];
    const over = () => done() && (seen.length >= sentAt.length || now() - (sentAt.at(-1) ?? 0) > 30_000);
    while (!over()) {
      const count = (await counted()) - base;
      const at = now();
      while (seen.length < Math.min(count, sentAt.length)) seen.push(at - sentAt[seen.length]!);
      await sleep(25);
    }
    return seen;
  }
}
