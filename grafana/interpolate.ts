/**
 * What happens to a panel's SQL between the dashboard JSON and QuestDB, reproduced so tests can run
 * exactly that text:
 * 1. Grafana's frontend: the QuestDB plugin first resolves `$__conditionalAll(cond, $var)` to `cond`,
 *    or to `1=1` when the variable's current value is All (or empty). Grafana computes the query
 *    interval from the time range, `maxDataPoints` and the panel's minimum interval, then replaces
 *    template variables (`$name`, `${name}`, `[[name]]`) and
 *    its global variables (`$__from`, `$__to`, `$__interval`, `$__interval_ms`, `$__range*`); names it
 *    does not know (the data source's macros) are left alone. The QuestDB plugin formats a multi-value
 *    variable as `'a','b'` and a single value as itself.
 * 2. The QuestDB plugin's backend expands its macros, as its README documents them:
 *    `$__timeFilter(col)` → `col >= cast(<from µs> as timestamp) AND col <= cast(<to µs> as timestamp)`,
 *    `$__fromTime` / `$__toTime` → `cast(<µs> as timestamp)`, `$__sampleByInterval` → `<n>d|h|s|T`.
 */

export interface QueryContext {
  from: Date;
  to: Date;
  /** The panel's `maxDataPoints` (Grafana otherwise uses the panel's width in pixels). */
  maxDataPoints: number;
  /** The panel's minimum interval (`interval`, e.g. "1m"), if any. */
  minInterval?: string | undefined;
  /** Each variable as Grafana writes it: a multi-value variable at All holds every value it listed. */
  variables: Record<string, string | string[]>;
  /** Variables whose current value is All. */
  allSelected?: readonly string[];
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

export function intervalToMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(text.trim());
  if (!match) throw new RangeError(`not a Grafana interval: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Grafana's ladder of "nice" intervals (rangeutil `roundInterval`), up to a day. */
const LADDER: [below: number, interval: number][] = [
  [10, 1],
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1500, 1000],
  [3500, 2000],
  [7500, 5000],
  [12500, 10000],
  [17500, 15000],
  [25000, 20000],
  [45000, 30000],
  [90000, 60000],
  [210000, 120000],
  [450000, 300000],
  [750000, 600000],
  [1050000, 900000],
  [1500000, 1200000],
  [2700000, 1800000],
  [5400000, 3600000],
  [9000000, 7200000],
  [16200000, 10800000],
];

export function roundInterval(ms: number): number {
  for (const [below, interval] of LADDER) if (ms < below) return interval;
  throw new RangeError(`intervals above 3 h are not reproduced here (${ms} ms)`);
}

export function queryIntervalMs(ctx: QueryContext): number {
  const raw = roundInterval((ctx.to.getTime() - ctx.from.getTime()) / ctx.maxDataPoints);
  const floor = ctx.minInterval ? intervalToMs(ctx.minInterval) : 0;
  return Math.max(raw, floor);
}

/** Grafana's text form of an interval (`kbn.secondsToHms` style: the largest whole unit). */
export function intervalText(ms: number): string {
  for (const unit of ["y", "w", "d", "h", "m", "s"] as const) {
    if (ms >= UNIT_MS[unit]! && ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  }
  return `${ms}ms`;
}

const CONDITIONAL_ALL = "$__conditionalAll(";

/**
 * The plugin's `$__conditionalAll(cond, $var)`: its arguments split at top-level commas (a condition
 * may hold parentheses), innermost-last as the plugin walks them, before any variable is replaced.
 */
export function applyConditionalAll(sql: string, ctx: QueryContext): string {
  let text = sql;
  for (let at = text.lastIndexOf(CONDITIONAL_ALL); at !== -1; at = text.lastIndexOf(CONDITIONAL_ALL)) {
    const open = at + CONDITIONAL_ALL.length - 1;
    const args: string[] = [];
    let depth = 0;
    let start = open + 1;
    let end = -1;
    for (let i = open; i < text.length && end === -1; i++) {
      const ch = text[i];
      if (ch === "(") depth++;
      else if (ch === ")" && --depth === 0) end = i;
      if ((ch === "," && depth === 1) || end === i) {
        args.push(text.slice(start, i));
        start = i + 1;
      }
    }
    if (end === -1 || args.length !== 2) throw new Error(`malformed $__conditionalAll in: ${sql}`);
    const name = /\$\{(\w+)\}|\$(\w+)/.exec(args[1]!);
    const variable = name?.[1] ?? name?.[2];
    const value = variable === undefined ? undefined : ctx.variables[variable];
    const all = variable !== undefined && (ctx.allSelected?.includes(variable) || value === "");
    text = `${text.slice(0, at)}${all ? "1=1" : args[0]}${text.slice(end + 1)}`;
  }
  return text;
}

/** Step 1: Grafana's frontend. */
export function interpolateVariables(sql: string, ctx: QueryContext): string {
  const intervalMs = queryIntervalMs(ctx);
  const range = ctx.to.getTime() - ctx.from.getTime();
  const globals: Record<string, string> = {
    __from: String(ctx.from.getTime()),
    __to: String(ctx.to.getTime()),
    __interval: intervalText(intervalMs),
    __interval_ms: String(intervalMs),
    __range_ms: String(range),
    __range_s: String(Math.round(range / 1000)),
    __range: `${Math.round(range / 1000)}s`,
  };
  const format = (value: string | string[]) => (Array.isArray(value) ? `'${value.join("','")}'` : value);
  // Grafana's `sqlstring` format: each value's quotes doubled, each value quoted, joined by commas.
  const sqlstring = (value: string | string[]) =>
    (Array.isArray(value) ? value : [value]).map((v) => `'${v.replaceAll("'", "''")}'`).join(",");
  return applyConditionalAll(sql, ctx).replace(
    /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g,
    (
      whole,
      plain?: string,
      bracket?: string,
      bracketFormat?: string,
      braced?: string,
      bracedFormat?: string,
    ) => {
      const name = plain ?? bracket ?? braced ?? "";
      if (name in globals) return globals[name]!;
      if (!(name in ctx.variables)) return whole;
      const value = ctx.variables[name]!;
      return (bracketFormat ?? bracedFormat) === "sqlstring" ? sqlstring(value) : format(value);
    },
  );
}

/** Step 2: the QuestDB plugin's backend macros. */
export function expandQuestDbMacros(sql: string, ctx: QueryContext): string {
  const micros = (d: Date) => `${BigInt(d.getTime()) * 1000n}`;
  const intervalMs = queryIntervalMs(ctx);
  return sql
    .replace(
      /\$__timeFilter\(([^)]*)\)/g,
      (_m, column: string) =>
        `${column.trim()} >= cast(${micros(ctx.from)} as timestamp) AND ${column.trim()} <= cast(${micros(ctx.to)} as timestamp)`,
    )
    .replace(/\$__fromTime\b/g, `cast(${micros(ctx.from)} as timestamp)`)
    .replace(/\$__toTime\b/g, `cast(${micros(ctx.to)} as timestamp)`)
    .replace(/\$__sampleByInterval\b/g, sampleByInterval(intervalMs));
}

/** The plugin's `SampleByInterval`: whole days, else hours, else seconds, else milliseconds (`T`). */
export function sampleByInterval(intervalMs: number): string {
  const hours = Math.floor(intervalMs / 3_600_000);
  const seconds = Math.floor(intervalMs / 1000);
  if (hours > 0) {
    // Integer division, as the plugin's Go code does: 36 h becomes "1d".
    if (hours >= 24 && intervalMs % 3_600_000 === 0) return `${Math.floor(hours / 24)}d`;
    return `${hours}h`;
  }
  if (seconds > 0) return `${seconds}s`;
  return `${Math.max(1, Math.floor(intervalMs))}T`;
}

/** The SQL QuestDB receives for a panel target. */
export function renderQuery(sql: string, ctx: QueryContext): string {
  const rendered = expandQuestDbMacros(interpolateVariables(sql, ctx), ctx);
  const left = /\$__\w+|\$\{\w+\}|\$[a-z]\w*/i.exec(rendered);
  if (left) throw new Error(`unexpanded "${left[0]}" in: ${rendered}`);
  return rendered;
}
