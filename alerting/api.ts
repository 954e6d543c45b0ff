import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { isNatsAway } from "../core/nats.ts";
import { basicAuth } from "hono/basic-auth";
import { bodyLimit } from "hono/body-limit";
import { QuestDbError, sqlString, type QuestDb } from "../core/questdb.ts";
import { errorBody, jsonError } from "../core/http-error.ts";
import { sameOrigin, type SameOriginOptions } from "../core/same-origin.ts";
import { ANONYMOUS, AuditWriteError, recentChanges, type RuleAudit } from "./audit.ts";
import { loadChoices } from "./choices.ts";
import type { Evaluator } from "./evaluate.ts";
import type { Notice } from "./notifiers/types.ts";
import { sendTestNotification, wouldFire, type TestNotifiers } from "./preview.ts";
import { parseRule, RULE_KINDS } from "./rules.ts";
import type { IncidentStore, RuleStore } from "./store.ts";
import { settingsPage } from "./ui/page.ts";

export interface ApiDeps {
  rules: RuleStore;
  incidents: IncidentStore;
  evaluator: Evaluator;
  db: QuestDb;
  env: Record<string, string | undefined>;
  auth?: { username: string; password: string };
  /** For "send a test notification"; without them the page's test button answers 503. */
  notifiers?: TestNotifiers;
  links?: Notice["links"];
  clock?: () => number;
  /** Records every rule change with who made it (the service always passes one). */
  audit?: RuleAudit;
  /** Hosts and origins a browser may reach the API by (core/same-origin.ts). */
  origin?: SameOriginOptions;
}

/** Rules are a few KB; nothing bigger is read. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A QuestDB failure as the API reports it; anything else is a bug and propagates. */
function unavailable(err: unknown, what = "QuestDB") {
  if (!(err instanceof QuestDbError) && !(err instanceof AuditWriteError)) throw err;
  return errorBody("questdb_unavailable", `${what} could not be written or read: ${(err as Error).message}`);
}

/**
 * The alerting API and its settings page. Rules are validated with the same zod schema the worker
 * loads them with; a rejected rule gets every problem as `path: message`, readable as is.
 */
export function createAlertingApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) =>
    c.json({
      status: "ok",
      lastCycleAt: deps.evaluator.lastCycleAt ? new Date(deps.evaluator.lastCycleAt).toISOString() : null,
    }),
  );
  if (deps.auth) app.use("*", basicAuth(deps.auth));
  app.use("*", sameOrigin(deps.origin));
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => jsonError(c, 413, "payload_too_large", `body exceeds ${MAX_BODY_BYTES} bytes`),
    }),
  );

  app.get("/", (c) => c.html(settingsPage()));

  app.get("/api/rules", (c) =>
    c.json({
      kinds: RULE_KINDS,
      rules: [...deps.rules.rules.values()]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((rule) => ({
          ...rule,
          status: {
            error: deps.evaluator.ruleErrors.get(rule.id)?.error ?? null,
            missingEnv: rule.channels.flatMap((ch) =>
              ch.type === "pagerduty" && !deps.env[ch.routingKeyEnv] ? [ch.routingKeyEnv] : [],
            ),
          },
        })),
    }),
  );

  app.get("/api/rules/:id", (c) => {
    const rule = deps.rules.rules.get(c.req.param("id"));
    return rule ? c.json(rule) : jsonError(c, 404, "not_found", `no rule ${c.req.param("id")}`);
  });

  const readBody = async (text: string) => {
    try {
      return { ok: true as const, body: JSON.parse(text) as unknown };
    } catch (err) {
      return { ok: false as const, message: `the body is not valid JSON: ${(err as Error).message}` };
    }
  };

  app.post("/api/rules/validate", async (c) => {
    const body = await readBody(await c.req.text());
    if (!body.ok) return jsonError(c, 400, "invalid_json", body.message);
    const parsed = parseRule(body.body);
    if (!parsed.ok) return jsonError(c, 400, "invalid_rule", parsed.text, { problems: parsed.problems });
    return c.json({ ok: true, rule: parsed.rule });
  });

  // Basic auth has checked the login by the time a handler runs; without a password only loopback reaches us.
  const actor = deps.auth ? deps.auth.username : ANONYMOUS;
  const save = async (id: string | undefined, text: string) => {
    const body = await readBody(text);
    if (!body.ok) return { status: 400 as const, json: errorBody("invalid_json", body.message) };
    const input =
      id && typeof body.body === "object" && body.body !== null && !("id" in body.body)
        ? { ...body.body, id }
        : body.body;
    const parsed = parseRule(input);
    if (!parsed.ok)
      return {
        status: 400 as const,
        json: errorBody("invalid_rule", parsed.text, { problems: parsed.problems }),
      };
    if (id && parsed.rule.id !== id) {
      const message = `id: the rule's id "${parsed.rule.id}" differs from the one in the address "${id}"`;
      return {
        status: 400 as const,
        json: errorBody("invalid_rule", message, { problems: [{ path: "id", message }] }),
      };
    }
    try {
      if (deps.audit) await deps.audit.put(deps.rules, parsed.rule, actor);
      else await deps.rules.put(parsed.rule);
    } catch (err) {
      return { status: 503 as const, json: unavailable(err, "the change was not made: its audit record") };
    }
    void deps.evaluator.nudge();
    return { status: 200 as const, json: parsed.rule };
  };

  app.put("/api/rules/:id", async (c) => {
    const result = await save(c.req.param("id"), await c.req.text());
    return c.json(result.json, result.status);
  });
  app.post("/api/rules", async (c) => {
    const result = await save(undefined, await c.req.text());
    return c.json(result.json, result.status === 200 ? 201 : result.status);
  });

  app.delete("/api/rules/:id", async (c) => {
    const id = c.req.param("id");
    let deleted: boolean;
    try {
      deleted = deps.audit ? await deps.audit.delete(deps.rules, id, actor) : await deps.rules.delete(id);
    } catch (err) {
      return c.json(unavailable(err, "the rule was not deleted: its audit record"), 503);
    }
    if (!deleted) return jsonError(c, 404, "not_found", `no rule ${id}`);
    void deps.evaluator.nudge();
    return c.body(null, 204);
  });

  app.get("/api/alerts", (c) => {
    const all = c.req.query("all") === "1";
    const incidents = [...deps.incidents.incidents.values()]
      .filter((i) => all || i.phase === "firing")
      .sort((a, b) => (b.firedAt ?? 0) - (a.firedAt ?? 0))
      .map((i) => ({
        ...i,
        ruleName: deps.rules.rules.get(i.ruleId)?.name ?? i.ruleId,
        severity: deps.rules.rules.get(i.ruleId)?.severity ?? null,
        firedAt: i.firedAt ? new Date(i.firedAt).toISOString() : null,
        resolvedAt: i.resolvedAt ? new Date(i.resolvedAt).toISOString() : null,
        evaluatedAt: new Date(i.evaluatedAt).toISOString(),
        pending: i.outbox.length,
      }));
    return c.json({ incidents });
  });

  app.get("/api/alerts/history", async (c) => {
    const limit = Math.min(1000, Math.max(1, Number(c.req.query("limit") ?? 100) || 100));
    try {
      return c.json({ history: await deps.db.rows(`SELECT * FROM alerts ORDER BY ts DESC LIMIT ${limit}`) });
    } catch (err) {
      return jsonError(c, 503, "questdb_unavailable", String((err as Error).message));
    }
  });

  registerFormRoutes(app, deps, readBody);

  app.notFound((c) => jsonError(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  // Rules and incidents live in NATS KV: while NATS is away the page says "try again", not "bug".
  app.onError((err, c) => {
    // basicAuth and bodyLimit refuse by throwing: their own answer (401, 413) stands.
    if (err instanceof HTTPException) return err.getResponse();
    if (isNatsAway(err)) return jsonError(c, 503, "nats_unavailable", "NATS is away: try again in a moment");
    // As Hono's own handler does for anything else: a bug, logged with its stack.
    console.error(err);
    return jsonError(c, 500, "internal", "internal error");
  });
  return app;
}

type ReadBody = (text: string) => Promise<{ ok: true; body: unknown } | { ok: false; message: string }>;

/** What the rule form needs beside saving: pickers, "what would fire now", a test message, recent incidents. */
function registerFormRoutes(app: Hono, deps: ApiDeps, readBody: ReadBody): void {
  const now = () => (deps.clock ?? Date.now)();
  /** The rule in the body, checked by the same schema as a save: 400 with every problem otherwise. */
  const ruleOf = async (text: string) => {
    const body = await readBody(text);
    if (!body.ok) return { ok: false as const, json: errorBody("invalid_json", body.message) };
    const parsed = parseRule(body.body);
    if (!parsed.ok)
      return {
        ok: false as const,
        json: errorBody("invalid_rule", parsed.text, { problems: parsed.problems }),
      };
    return { ok: true as const, rule: parsed.rule };
  };

  app.get("/api/audit", async (c) => {
    try {
      return c.json({ changes: await recentChanges(deps.db, c.req.query("rule") || undefined) });
    } catch (err) {
      return c.json(unavailable(err), 503);
    }
  });

  app.get("/api/choices", async (c) => c.json(await loadChoices(deps.db)));

  app.post("/api/rules/preview", async (c) => {
    const rule = await ruleOf(await c.req.text());
    if (!rule.ok) return c.json(rule.json, 400);
    try {
      return c.json(await wouldFire(deps.db, rule.rule, now()));
    } catch (err) {
      return c.json(unavailable(err), 503);
    }
  });

  app.post("/api/rules/test-notification", async (c) => {
    const rule = await ruleOf(await c.req.text());
    if (!rule.ok) return c.json(rule.json, 400);
    if (!deps.notifiers || !deps.links)
      return jsonError(c, 503, "no_notifiers", "this server was started without notifiers");
    if (!rule.rule.channels.length)
      return jsonError(
        c,
        400,
        "no_channels",
        "the rule has no channel yet: add an email address or PagerDuty",
      );
    return c.json({ results: await sendTestNotification(rule.rule, deps.notifiers, deps.links, now()) });
  });

  app.get("/api/rules/:id/incidents", async (c) => {
    const id = c.req.param("id");
    const open = [...deps.incidents.incidents.values()]
      .filter((i) => i.ruleId === id && i.phase === "firing")
      .map((i) => ({
        subject: i.subject,
        summary: i.summary,
        firedAt: new Date(i.firedAt ?? i.evaluatedAt).toISOString(),
      }));
    try {
      const history = await deps.db.rows(
        `SELECT ts, state, subject, summary FROM alerts WHERE rule_id = ${sqlString(id)} ORDER BY ts DESC LIMIT 20`,
      );
      return c.json({ open, history });
    } catch (err) {
      return c.json({ open, history: [], ...unavailable(err) });
    }
  });
}
