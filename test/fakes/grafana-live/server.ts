import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for Grafana Live's HTTP push (`POST /api/live/push/:streamId`), as Grafana documents
 * it: a service-account token as `Authorization: Bearer`, a body of InfluxDB line protocol, each
 * measurement becoming channel `stream/<streamId>/<measurement>`. Wrong token: 401; a line that
 * does not parse: 400; `gf_live_frame_format` other than Grafana's three (wide, labels_column, the
 * default, prometheus): 400. `failNext(status, n)` answers the next n pushes with that status.
 * `formats` records the frame format each accepted push asked for.
 */
export interface LivePoint {
  channel: string;
  tags: Record<string, string>;
  fields: Record<string, number>;
  ns: bigint;
}

/** Splits on an unescaped separator. */
function split(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && i + 1 < text.length) {
      cur += text[i]! + text[i + 1]!;
      i++;
    } else if (text[i] === sep) {
      out.push(cur);
      cur = "";
    } else cur += text[i];
  }
  out.push(cur);
  return out;
}
const CHANNEL = /^stream\/[A-Za-z0-9_-]+\/[A-Za-z0-9_\-/=.]+$/;
const unescape = (s: string) => s.replace(/\\(.)/g, "$1");

export function parseLine(line: string, streamId: string): LivePoint {
  const [head, fieldText, ts, ...rest] = split(line, " ");
  if (!head || !fieldText || !ts || rest.length)
    throw new Error(`not "measurement,tags fields timestamp": ${line}`);
  const [measurement, ...tagParts] = split(head, ",");
  const tags: Record<string, string> = {};
  for (const t of tagParts) {
    const [k, v, ...more] = split(t, "=");
    if (!k || v === undefined || more.length) throw new Error(`bad tag ${t}`);
    tags[unescape(k)] = unescape(v);
  }
  const fields: Record<string, number> = {};
  for (const f of split(fieldText, ",")) {
    const [k, v, ...more] = split(f, "=");
    if (!k || !v || more.length) throw new Error(`bad field ${f}`);
    const m = /^(-?\d+)i$/.exec(v);
    const n = m ? Number(m[1]) : Number(v);
    if (!Number.isFinite(n) || (!m && !/^-?\d+(\.\d+)?(e-?\d+)?$/.test(v)))
      throw new Error(`bad field value ${f}`);
    fields[unescape(k)] = n;
  }
  if (!/^\d+$/.test(ts)) throw new Error(`bad timestamp ${ts}`);
  return { channel: `stream/${streamId}/${unescape(measurement!)}`, tags, fields, ns: BigInt(ts) };
}

export async function startGrafanaLive(token: string) {
  const points: LivePoint[] = [];
  const answers: number[] = [];
  const formats: string[] = [];
  let failing: { status: number; left: number } | undefined;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const reply = (status: number, text = "") => {
        answers.push(status);
        res.writeHead(status, { "content-type": "application/json" }).end(text);
      };
      const url = new URL(req.url ?? "/", "http://fake");
      const m = /^\/api\/live\/push\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
      if (req.method !== "POST" || !m) return reply(404, '{"message":"Not found"}');
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, '{"message":"Unauthorized"}');
      const format = (url.searchParams.get("gf_live_frame_format") ?? "").toLowerCase();
      if (!["", "wide", "labels_column", "prometheus"].includes(format))
        return reply(400, JSON.stringify({ message: `unsupported frame format: ${format}` }));
      if (failing && failing.left > 0) {
        failing.left--;
        return reply(failing.status, '{"message":"failing on purpose"}');
      }
      try {
        const parsed = body
          .split("\n")
          .filter(Boolean)
          .map((l) => parseLine(l, m[1]!));
        // Grafana's channel rules (its Live docs): path characters and 160 at most in all.
        const bad = parsed.find((p) => !CHANNEL.test(p.channel) || p.channel.length > 160);
        if (bad) return reply(400, JSON.stringify({ message: `invalid channel ${bad.channel}` }));
        points.push(...parsed);
        formats.push(format || "labels_column");
        reply(200);
      } catch (err) {
        reply(400, JSON.stringify({ message: String(err) }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    points,
    answers,
    formats,
    failNext(status: number, n: number) {
      failing = { status, left: n };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
