import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { QuestDb } from "../core/questdb.ts";
import { freePort, waitFor } from "./ports.ts";
import { killProcess, spawnServer, stopProcess } from "./process.ts";

export const QUESTDB_VERSION = process.env.QUESTDB_VERSION ?? "9.3.4";
/** How long a JVM start may take on a loaded 2-core machine (over a minute was seen at load 60). */
export const QUESTDB_START_MS = 180_000;

export interface QuestDbPorts {
  http: number;
  pg: number;
  ilp: number;
}

export interface QuestDbServer {
  readonly httpUrl: string;
  readonly ports: QuestDbPorts;
  readonly db: QuestDb;
  stop(): Promise<void>;
  /** A crash: SIGKILL, nothing flushed; the data directory stays for `start()`. */
  kill(): Promise<void>;
  /** Freezes the process (SIGSTOP) until `resume()`: a write in flight neither succeeds nor fails. */
  pause(): void;
  resume(): void;
  /** The JVM's process id while it runs (benchmarks read its CPU from /proc). */
  pid(): number | undefined;
  start(): Promise<void>;
  restart(): Promise<void>;
}

/** The jar services/bootstrap.sh fetched (it exports QUESTDB_JAR), else the one in the default cache. */
export function questDbJar(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  const jar = process.env.QUESTDB_JAR ?? join(cache, "metricsdash", `questdb-${QUESTDB_VERSION}.jar`);
  if (!existsSync(jar))
    throw new Error(`QuestDB jar not found at ${jar}: run services/bootstrap.sh (or set QUESTDB_JAR)`);
  return jar;
}

export interface QuestDbServerOptions {
  dir: string;
  ports?: Partial<QuestDbPorts>;
  /** Puts QuestDB's HTTP behind basic auth (as compose does); `httpUrl` and `db` then carry the login. */
  login?: { user: string; password: string };
}

/** QuestDB exited while starting (its log says why: a port taken, a locked data directory, …). */
export class QuestDbStartExit extends Error {
  readonly code: number | null;
  readonly log: string;
  constructor(code: number | null, log: string) {
    super(`QuestDB exited with ${code} during start; see ${log}`);
    this.name = "QuestDbStartExit";
    this.code = code;
    this.log = log;
  }
}

/** What QuestDB logs unless QDB_LOG_W_STDOUT_LEVEL says otherwise: start-up facts and errors. */
export const QUESTDB_LOG_LEVELS = "ERROR,CRITICAL,ADVISORY";

/**
 * How QuestDB's worker threads wait for work. After each job a worker polls its jobs again at once,
 * by default for 7,000 rounds, then naps 1 ms at a time up to 10,000, and only then sleeps 10 ms
 * between polls: every commit, query and refresh kept several threads spinning, which was a third of
 * QuestDB's CPU per order on two cores (bench/commit-mix.ts: 658–752 → 428 µs per order, the ILP
 * threads' share 130–146 → 37; docs/benchmarks.md, "QuestDB's idle spin"). Here a worker spins 100
 * rounds, naps 1 ms to round 200 (≈ 0.1 s), then sleeps as before: a request to a QuestDB idle
 * that long waits up to one 10 ms sleep, as it did after the longer spin. A variable of the same
 * name wins.
 */
export const QUESTDB_WORKER_IDLE: Readonly<Record<string, string>> = Object.fromEntries(
  ["SHARED", "WAL_APPLY", "MAT_VIEW_REFRESH", "VIEW_COMPILER", "EXPORT"].flatMap((pool) => [
    [`QDB_${pool}_WORKER_YIELD_THRESHOLD`, "10"],
    [`QDB_${pool}_WORKER_NAP_THRESHOLD`, "100"],
    [`QDB_${pool}_WORKER_SLEEP_THRESHOLD`, "200"],
  ]),
);

/**
 * QuestDB's environment: ours, on the given ports, with the idle and log defaults above unless
 * `given` names them (ports, the health server, UDP and telemetry are not the user's to choose here).
 */
export function questDbEnv(
  given: NodeJS.ProcessEnv,
  ports: QuestDbPorts,
  login?: QuestDbServerOptions["login"],
): NodeJS.ProcessEnv {
  return {
    ...QUESTDB_WORKER_IDLE,
    ...given,
    QDB_HTTP_BIND_TO: `127.0.0.1:${ports.http}`,
    QDB_PG_NET_BIND_TO: `127.0.0.1:${ports.pg}`,
    QDB_LINE_TCP_NET_BIND_TO: `127.0.0.1:${ports.ilp}`,
    // The "min" health server would take port 9003 in every instance; tests run several at once.
    QDB_HTTP_MIN_ENABLED: "false",
    QDB_LINE_UDP_ENABLED: "false",
    QDB_TELEMETRY_ENABLED: "false",
    // At INFO QuestDB logs every commit, partition rewrite and query with its full text, hundreds of
    // lines a second under load (its logging thread alone 30–60 µs per order; docs/benchmarks.md,
    // "Where QuestDB's CPU per order goes"). Set the variable to INFO to see them again.
    QDB_LOG_W_STDOUT_LEVEL: given.QDB_LOG_W_STDOUT_LEVEL ?? QUESTDB_LOG_LEVELS,
    ...(login ? { QDB_HTTP_USER: login.user, QDB_HTTP_PASSWORD: login.password } : {}),
  };
}

/** How many times a start on ports we chose is tried: see `startQuestDbServer`. */
const START_ATTEMPTS = 3;

/**
 * Runs QuestDB from its Maven jar on the installed Java, its data under `dir`, on the given or free
 * ports. A free port is only free when checked: the JVM binds its last listener seconds later, and
 * a suite's other servers can take it meanwhile (CI saw ILP's port taken). When QuestDB exits
 * during start on ports we chose, it is started again on fresh ones.
 */
export async function startQuestDbServer(options: QuestDbServerOptions): Promise<QuestDbServer> {
  const ours = !(options.ports?.http && options.ports.pg && options.ports.ilp);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (!(err instanceof QuestDbStartExit && ours && attempt < START_ATTEMPTS)) throw err;
      console.warn(
        `${err.message}; starting it again on other ports (attempt ${attempt + 1} of ${START_ATTEMPTS})`,
      );
    }
  }
}

async function startOnce({ dir, ports, login }: QuestDbServerOptions): Promise<QuestDbServer> {
  const resolved: QuestDbPorts = {
    http: ports?.http ?? (await freePort()),
    pg: ports?.pg ?? (await freePort()),
    ilp: ports?.ilp ?? (await freePort()),
  };
  const jar = questDbJar();
  const root = join(dir, "questdb");
  mkdirSync(root, { recursive: true });
  const credentials = login ? `${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}@` : "";
  const httpUrl = `http://${credentials}127.0.0.1:${resolved.http}`;
  const db = new QuestDb(httpUrl);
  let child: ChildProcess | undefined;

  const env = questDbEnv(process.env, resolved, login);
  const start = async () => {
    const heap = process.env.QUESTDB_HEAP ?? "1g";
    // Extra JVM flags, e.g. a flight recording for bench/run.ts --profile.
    const jvm = (process.env.QUESTDB_JVM_OPTIONS ?? "").split(/\s+/).filter(Boolean);
    child = spawnServer(
      "java",
      [`-Xmx${heap}`, ...jvm, "-p", jar, "-m", "io.questdb/io.questdb.ServerMain", "-d", root],
      env,
      join(dir, "questdb.log"),
    );
    const failed = new Promise<never>((_, reject) => {
      child!.once("error", (err) => reject(new Error(`cannot run java: ${err.message}`)));
      child!.once("exit", (code) => reject(new QuestDbStartExit(code, join(dir, "questdb.log"))));
    });
    // A JVM cold start takes seconds on an idle machine and over a minute on a loaded one: the wait is a
    // ceiling for a server that will never answer, not a speed target (an exit ends it at once).
    await Promise.race([
      waitFor(`QuestDB on :${resolved.http}`, () => db.healthy(), QUESTDB_START_MS),
      failed,
    ]);
  };
  const stop = async () => {
    if (child) await stopProcess(child);
    child = undefined;
  };
  await start();
  return {
    httpUrl,
    ports: resolved,
    db,
    start,
    stop,
    kill: async () => {
      if (child) await killProcess(child);
      child = undefined;
    },
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    pid: () => child?.pid,
    restart: async () => {
      await stop();
      await start();
    },
  };
}
