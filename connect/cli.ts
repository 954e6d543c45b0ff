import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createLogger } from "../core/log.ts";
import { connectNats } from "../core/nats.ts";
import { Checkpoint } from "../platforms/shopify/backfill.ts";
import { Connections, CONNECTIONS_BUCKET } from "../platforms/connections.ts";
import { HISTORY_BUCKET, HistoryCheckpoint, HistoryStore } from "./history.ts";
import { historyLine, progressLine } from "./progress-bar.ts";
import { ConnectStore } from "./shopify-shops.ts";

/**
 * `node connect/cli.ts list`: connected stores of every platform with their status and progress.
 * `node connect/cli.ts progress <shop.myshopify.com>` or `progress <platform> <shop>`: a live
 * progress bar of a store's backfill, fed by the same KV checkpoint the status page reads; returns
 * when it is done (exit 0) or failed/stopped (1). Reads no keys: it opens no sealed value.
 */
const args = process.argv.slice(2);
const log = createLogger("connect-cli", process.env.LOG_LEVEL ?? "warn");
const nc = await connectNats(process.env.NATS_URL ?? "nats://127.0.0.1:4222", "metricsdash-connect-cli", log);
const kvm = new Kvm(jetstream(nc));
const store = await ConnectStore.open(nc);
const connections = new Connections(await kvm.create(CONNECTIONS_BUCKET, { history: 5 }), undefined);
const histories = new HistoryStore(await kvm.create(HISTORY_BUCKET, { history: 1 }));

/** Follows checkpoints as they change, one line each (redrawn in place on a terminal). */
async function follow<T extends { phase: string }>(
  watch: AsyncIterable<{ operation: string; value: Uint8Array }>,
  parse: (json: unknown) => T,
  line: (cp: T) => string,
): Promise<number> {
  const tty = process.stderr.isTTY;
  for await (const entry of watch) {
    if (entry.operation !== "PUT" || entry.value.length === 0) continue;
    const cp = parse(JSON.parse(new TextDecoder().decode(entry.value)));
    process.stderr.write(tty ? `\r\x1b[2K${line(cp)}` : `${line(cp)}\n`);
    if (cp.phase === "done" || cp.phase === "failed" || cp.phase === "stopped") {
      process.stderr.write("\n");
      return cp.phase === "done" ? 0 : 1;
    }
  }
  return 1;
}

let exitCode = 0;
if (args[0] === "list") {
  for (const record of await store.listShops()) {
    const cp = await store.checkpoint(record.shop);
    console.log(
      `shopify  ${record.shop}  ${record.status}  ${record.currency}  ${record.timezone}  ${cp ? progressLine(cp) : ""}`,
    );
  }
  for (const c of await connections.list()) {
    const cp = await histories.get(c.platform, c.shop);
    console.log(
      `${c.platform}  ${c.shop}  ${c.status}  ${c.currency ?? "?"}  ${c.timezone ?? "?"}  ${cp ? historyLine(cp) : ""}`,
    );
  }
} else if (args[0] === "progress" && args.length === 2) {
  exitCode = await follow(
    await store.watchCheckpoint(args[1]!),
    (j) => Checkpoint.parse(j),
    (cp) => progressLine(cp),
  );
} else if (args[0] === "progress" && args.length === 3) {
  exitCode = await follow(
    await histories.watch(args[1]!, args[2]!),
    (j) => HistoryCheckpoint.parse(j),
    (cp) => historyLine(cp),
  );
} else {
  console.error(
    "usage: node connect/cli.ts list | progress <shop.myshopify.com> | progress <woocommerce|bigcommerce> <shop>",
  );
  exitCode = 2;
}
await nc.close();
process.exit(exitCode);
