import { createLogger } from "../core/log.ts";
import { connectNats } from "../core/nats.ts";
import { Checkpoint } from "../platforms/shopify/backfill.ts";
import { progressLine } from "./progress-bar.ts";
import { ConnectStore } from "./store.ts";

/**
 * `node connect/cli.ts progress <shop>`: a live progress bar of a shop's backfill, fed by the same
 * KV checkpoint the status page reads; returns when the backfill is done (exit 0) or failed (1).
 * `node connect/cli.ts list`: connected shops with their status and progress.
 */
const [command, shop] = process.argv.slice(2);
const log = createLogger("connect-cli", process.env.LOG_LEVEL ?? "warn");
const nc = await connectNats(process.env.NATS_URL ?? "nats://127.0.0.1:4222", "metricsdash-connect-cli", log);
const store = await ConnectStore.open(nc);

if (command === "list") {
  for (const record of await store.listShops()) {
    const cp = await store.checkpoint(record.shop);
    console.log(
      `${record.shop}  ${record.status}  ${record.currency}  ${record.timezone}  ${cp ? progressLine(cp) : ""}`,
    );
  }
  await nc.close();
} else if (command === "progress" && shop) {
  const tty = process.stderr.isTTY;
  let exitCode = 1;
  for await (const entry of await store.watchCheckpoint(shop)) {
    if (entry.operation !== "PUT" || entry.value.length === 0) continue;
    const cp = Checkpoint.parse(JSON.parse(new TextDecoder().decode(entry.value)));
    const line = progressLine(cp);
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    if (cp.phase === "done" || cp.phase === "failed" || cp.phase === "stopped") {
      exitCode = cp.phase === "done" ? 0 : 1;
      break;
    }
  }
  process.stderr.write("\n");
  await nc.close();
  process.exit(exitCode);
} else {
  console.error("usage: node connect/cli.ts progress <shop.myshopify.com> | list");
  await nc.close();
  process.exit(2);
}
