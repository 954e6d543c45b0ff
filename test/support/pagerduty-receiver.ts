import { createServer, type Server } from "node:http";
import { z } from "zod";

/**
 * PagerDuty's Events API v2 endpoint as documented: `POST /v2/enqueue`, JSON. A valid event gets
 * 202 `{status: "success", message: "Event processed", dedup_key}`; an invalid one 400
 * `{status: "invalid event", message: "Event object is invalid", errors: [...]}`; too many requests
 * 429. Tests queue 429s (or 500s) to model rate limiting and outages.
 */

const severity = z.enum(["critical", "error", "warning", "info"]);
const routingKey = z.string().length(32, "routing_key must be a 32-character integration key");

const Trigger = z
  .object({
    routing_key: routingKey,
    event_action: z.literal("trigger"),
    dedup_key: z.string().min(1).max(255).optional(),
    payload: z
      .object({
        summary: z.string().min(1).max(1024),
        source: z.string().min(1),
        severity,
        timestamp: z.iso.datetime({ offset: true }).optional(),
        component: z.string().optional(),
        group: z.string().optional(),
        class: z.string().optional(),
        custom_details: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    client: z.string().optional(),
    client_url: z.url().optional(),
    links: z.array(z.object({ href: z.url(), text: z.string().optional() }).strict()).optional(),
    images: z
      .array(z.object({ src: z.url(), href: z.url().optional(), alt: z.string().optional() }))
      .optional(),
  })
  .strict();

const Acknowledge = z
  .object({
    routing_key: routingKey,
    event_action: z.enum(["acknowledge", "resolve"]),
    dedup_key: z.string().min(1).max(255),
  })
  .strict();

export const PagerDutyEvent = z.discriminatedUnion("event_action", [Trigger, Acknowledge]);
export type PagerDutyEvent = z.infer<typeof PagerDutyEvent>;

export interface PagerDutyReceiver {
  readonly url: string;
  /** Every request, in order, with the status it got. */
  readonly requests: { status: number; body: unknown }[];
  /** Events answered 202. */
  readonly accepted: PagerDutyEvent[];
  /** The next requests get these statuses (429, 500…) instead of being processed. */
  failNext(...statuses: number[]): void;
  /** The next accepted event is processed at once but answered only after `ms` (a sender may die meanwhile). */
  delayNextAnswer(ms: number): void;
  /**
   * From now on, accepted events are processed at once but answered only on `release()` (a slow
   * network): a sender stays in the middle of its delivery for as long as the test needs.
   */
  hold(): void;
  /** Answers what `hold` kept back (nobody hears it where the sender died) and stops holding. */
  release(): void;
  /** Events processed whose answer is still held back. */
  readonly held: PagerDutyEvent[];
  /** Incidents as PagerDuty keeps them: a trigger for an open dedup_key adds to it, it does not page again. */
  readonly incidents: Map<string, { status: "triggered" | "resolved"; pages: number; triggers: number }>;
  close(): Promise<void>;
}

export async function startPagerDutyReceiver(): Promise<PagerDutyReceiver> {
  const requests: { status: number; body: unknown }[] = [];
  const accepted: PagerDutyEvent[] = [];
  const failures: number[] = [];
  const incidents = new Map<string, { status: "triggered" | "resolved"; pages: number; triggers: number }>();
  let delayNext = 0;
  let holding = false;
  const held: PagerDutyEvent[] = [];
  const heldReplies: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answer = (status: number, body: unknown, parsed: unknown) => {
        requests.push({ status, body: parsed });
        // The sender may have died while a delayed answer waited: then there is no one to answer.
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return answer(
          400,
          { status: "invalid event", message: "Event object is invalid", errors: ["body is not JSON"] },
          null,
        );
      }
      if (req.method !== "POST" || req.url !== "/v2/enqueue")
        return answer(404, { status: "not found" }, body);
      if (!String(req.headers["content-type"]).startsWith("application/json"))
        return answer(
          400,
          {
            status: "invalid event",
            message: "Event object is invalid",
            errors: ["content-type must be application/json"],
          },
          body,
        );
      const forced = failures.shift();
      if (forced === 429)
        return answer(
          429,
          {
            status: "throttle event",
            message: "Requests for this service are arriving too quickly. Please retry later.",
          },
          body,
        );
      if (forced) return answer(forced, { status: "error", message: "internal error" }, body);
      const parsed = PagerDutyEvent.safeParse(body);
      if (!parsed.success) {
        return answer(
          400,
          {
            status: "invalid event",
            message: "Event object is invalid",
            errors: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
          },
          body,
        );
      }
      accepted.push(parsed.data);
      const dedupKey = parsed.data.dedup_key ?? `generated-${accepted.length}`;
      const incident = incidents.get(dedupKey) ?? { status: "resolved" as const, pages: 0, triggers: 0 };
      if (parsed.data.event_action === "trigger") {
        if (incident.status !== "triggered") incident.pages++;
        incidents.set(dedupKey, { ...incident, status: "triggered", triggers: incident.triggers + 1 });
      } else if (parsed.data.event_action === "resolve" && incidents.has(dedupKey)) {
        incidents.set(dedupKey, { ...incident, status: "resolved" });
      }
      const delay = delayNext;
      delayNext = 0;
      const reply = () =>
        answer(202, { status: "success", message: "Event processed", dedup_key: dedupKey }, body);
      if (holding) {
        held.push(parsed.data);
        heldReplies.push(reply);
      } else if (delay) setTimeout(reply, delay);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted,
    failNext: (...statuses) => failures.push(...statuses),
    delayNextAnswer: (ms) => {
      delayNext = ms;
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      held.length = 0;
      for (const reply of heldReplies.splice(0)) reply();
    },
    held,
    incidents,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
