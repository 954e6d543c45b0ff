import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createLogger } from "../core/log.ts";
import { connectNats } from "../core/nats.ts";
import { Connections, CONNECTIONS_BUCKET } from "../platforms/connections.ts";
import { HISTORY_BUCKET, HistoryStore } from "./history.ts";
import { historyReaders } from "./history-readers.ts";
import { progressLine } from "./progress-bar.ts";
import type { HistoryStatus } from "./progress.ts";

/**
 * `node connect/cli.ts list`: connected stores of every platform with their status and progress.
 * `node connect/cli.ts progress <platform> <shop>`: a live progress bar of a store's history, fed by
 * the same KV checkpoints the status page reads (each source's own, through the registry); returns
 * when it is done (exit 0) or failed/stopped (1). Reads no keys: it opens no sealed value.
 */
const args = process.argv.slice(2);
const log = createLogger("connect-cli", process.env.LOG_LEVEL ?? "warn");
const nc = await connectNats(process.env.NATS_URL ?? "nats://127.0.0.1:4222", "metricsdash-connect-cli", log);
const kvm = new Kvm(jetstream(nc));
const connections = new Connections(await kvm.create(CONNECTIONS_BUCKET, { history: 5 }), undefined);
const histories = new HistoryStore(await kvm.create(HISTORY_BUCKET, { history: 1 }));
const readerOf = await historyReaders((name, options) => kvm.create(name, options), histories);

/** Follows a history as it changes, one line each (redrawn in place on a terminal). */
async function follow(watch: AsyncIterable<HistoryStatus>): Promise<number> {
  const tty = process.stderr.isTTY;
  for await (const status of watch) {
    const line = progressLine(status);
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    if (status.phase === "done" || status.phase === "failed" || status.phase === "stopped") {
      process.stderr.write("\n");
      return status.phase === "done" ? 0 : 1;
    }
  }
  return 1;
}

let exitCode = 0;
if (args[0] === "list") {
  for (const c of await connections.list()) {
    const status = await readerOf(c.platform).status(c.shop);
    const line = status ? progressLine(status) : "";
    console.log(`${c.platform}  ${c.shop}  ${c.status}  ${c.currency ?? "?"}  ${c.timezone ?? "?"}  ${line}`);
  }
} else if (args[0] === "progress" && args.length === 3) {
  exitCode = await follow(readerOf(args[1]!).watch(args[2]!));
} else {
  console.error("usage: node connect/cli.ts list | progress <platform> <shop>");
  exitCode = 2;
}
await nc.close();
process.exit(exitCode);
