/**
 * InfluxDB line protocol, the body Grafana Live's HTTP push takes: `measurement,tag=v field=1i 123`.
 * Escaping as the protocol defines it: commas and spaces in a measurement; commas, equals signs and
 * spaces in tag keys, tag values and field keys. Integers carry `i`; timestamps are nanoseconds.
 */
export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | { int: number }>;
  /** Milliseconds since the epoch. */
  at: number;
}

const escMeasurement = (s: string) => s.replace(/[, ]/g, (c) => `\\${c}`);
const escKey = (s: string) => s.replace(/[,= ]/g, (c) => `\\${c}`);

export function encodePoint(p: Point): string {
  const tags = Object.entries(p.tags)
    .filter(([, v]) => v !== "")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `,${escKey(k)}=${escKey(v)}`)
    .join("");
  const fields = Object.entries(p.fields)
    .filter(([, v]) => (typeof v === "number" ? Number.isFinite(v) : Number.isInteger(v.int)))
    .map(([k, v]) => `${escKey(k)}=${typeof v === "number" ? String(v) : `${v.int}i`}`)
    .join(",");
  if (!fields) throw new RangeError(`point ${p.measurement} has no finite field`);
  return `${escMeasurement(p.measurement)}${tags} ${fields} ${BigInt(Math.round(p.at)) * 1_000_000n}`;
}
