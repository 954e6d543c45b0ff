import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface WatchProxy {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * A plain TCP relay in front of a server that tells the test when a client first sends `pattern`
 * (e.g. a NATS request subject) and holds those bytes until `onSeen` resolves: a test can freeze the
 * real server at that exact point of the client's start-up. Nothing is altered; bytes pass in order.
 */
export async function startWatchProxy(
  target: number,
  { pattern, onSeen }: { pattern: string; onSeen: () => Promise<void> },
): Promise<WatchProxy> {
  let seen = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => (socket === client ? upstream : client).destroy());
    }
    upstream.pipe(client);
    // The tail of the previous chunk, so a pattern split across two reads is still found.
    let tail = "";
    client.on("data", (chunk: Buffer) => {
      const text = tail + chunk.toString("latin1");
      tail = text.slice(-pattern.length);
      if (seen || !text.includes(pattern)) {
        upstream.write(chunk);
        return;
      }
      seen = true;
      client.pause();
      void onSeen().then(
        () => {
          upstream.write(chunk);
          client.resume();
        },
        (err: unknown) => client.destroy(err instanceof Error ? err : new Error(String(err))),
      );
    });
    client.on("end", () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
