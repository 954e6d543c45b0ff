import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RefEvent } from "../../core/events.ts";
import { startNatsServer, type NatsServer } from "../../services/nats-server.ts";
import { RefundTimes } from "./refund-times.ts";

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer({ dir: mkdtempSync(join(tmpdir(), "refund-times-")) });
  nc = await connect({ servers: nats.url });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const sighting = (refundId: string, seenAt: string): RefEvent => ({
  v: 1,
  platform: "woocommerce",
  shop: "shop.example",
  type: "ref",
  eventId: `refund-seen:${refundId}`,
  receivedAt: seenAt,
  ref: {
    resource: "refund",
    id: refundId,
    action: "order.updated",
    observedAt: seenAt,
    refund: { refundId, orderId: "1", createdAt: seenAt, currency: "USD", amountMinor: 500, lines: [] },
  },
});

describe("refund first sightings", () => {
  it("keeps the first time seen, for later sightings and for a second worker alike", async () => {
    const kv = await new Kvm(jetstream(nc)).create("refund_first_seen_test", { history: 1 });
    const one = new RefundTimes(kv);
    const other = new RefundTimes(kv); // a replica, or the same worker after a restart
    expect((await one.settle(sighting("90", "2026-11-25T10:00:00.000Z"))).createdAt).toBe(
      "2026-11-25T10:00:00.000Z",
    );
    expect((await one.settle(sighting("90", "2026-11-25T11:00:00.000Z"))).createdAt).toBe(
      "2026-11-25T10:00:00.000Z",
    );
    expect((await other.settle(sighting("90", "2026-11-26T09:00:00.000Z"))).createdAt).toBe(
      "2026-11-25T10:00:00.000Z",
    );
    expect((await other.settle(sighting("91", "2026-11-26T09:00:00.000Z"))).createdAt).toBe(
      "2026-11-26T09:00:00.000Z",
    );
  });
});
