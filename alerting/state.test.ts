import { describe, expect, it } from "vitest";
import { parseRule, type Rule } from "./rules.ts";
import { step, type Incident, type Observation } from "./state.ts";

const parsed = parseRule({
  id: "low",
  name: "Low",
  kind: "low_stock",
  threshold: 10,
  hysteresis: 3,
  cooldownMinutes: 10,
  channels: [
    { type: "email", to: ["ops@example.com"] },
    { type: "pagerduty", routingKeyEnv: "PAGERDUTY_ROUTING_KEY" },
  ],
});
if (!parsed.ok) throw new Error(parsed.text);
const rule: Rule = parsed.rule;

const obs = (value: number): Observation => ({
  subject: "shop/TEE",
  platform: "shopify",
  shop: "shop",
  sku: "TEE",
  value,
  threshold: 10,
  breached: value < 10,
  cleared: value >= 13,
  summary: `${value} left`,
  details: { available: value },
});

function run(values: number[], start = 0, minutes = 1) {
  let incident: Incident | undefined;
  const transitions: string[] = [];
  values.forEach((v, i) => {
    const { next, transition } = step(rule, incident, obs(v), start + i * minutes * 60_000);
    if (transition) transitions.push(`${transition}@${v}`);
    incident = next;
  });
  return { incident: incident!, transitions };
}

describe("incident state machine", () => {
  it("fires once and resolves once across a noisy crossing (hysteresis 3)", () => {
    const { transitions, incident } = run([15, 12, 9, 10, 9, 11, 12, 8, 13, 12, 11]);
    expect(transitions).toEqual(["fired@9", "resolved@13"]);
    expect(incident.phase).toBe("resolved");
  });

  it("queues one delivery per channel plus a history row per transition", () => {
    const { incident } = run([9]);
    expect(
      incident.outbox.map((o) => (o.kind === "channel" ? `${o.channel}:${o.action}` : `history:${o.state}`)),
    ).toEqual(["0:trigger", "1:trigger", "history:firing"]);
    expect(incident.dedupKey).toBe("metricsdash/low/shop/TEE");
  });

  it("does not fire again within the cooldown after a resolve, and does after it", () => {
    // 1-minute steps: resolves at minute 1, breaches at minutes 2..12; cooldown 10 minutes.
    const { transitions } = run([9, 13, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
    expect(transitions).toEqual(["fired@9", "resolved@13", "fired@9"]);
    const { incident } = run([9, 13, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
    expect(incident.firedAt).toBe(11 * 60_000); // resolved at 1 min + 10 min cooldown
  });
});
