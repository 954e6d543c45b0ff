import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertingStack, type AlertingStack } from "./support/alerting-stack.ts";
import { eventually } from "./support/eventually.ts";
import { launchChromium } from "./support/chromium.ts";

/** The settings page in headless Chromium, against the worker as it runs (real NATS KV, real QuestDB). */

const PASSWORD = "correct-horse-battery";
let stack: AlertingStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startAlertingStack(
    [
      {
        id: "low-stock",
        name: "Below 10 units",
        kind: "low_stock",
        threshold: 10,
        scope: { shops: ["ui.myshopify.com"] },
        channels: [{ type: "email", to: ["ops@example.com"] }],
      },
    ],
    { password: PASSWORD },
  );
  browser = await launchChromium();
  const context = await browser.newContext({ httpCredentials: { username: "admin", password: PASSWORD } });
  page = await context.newPage();
  await page.goto(stack.apiUrl);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const editorRule = async () =>
  JSON.parse(await page.locator("#editor").inputValue()) as Record<string, unknown>;

describe("the alert settings page", () => {
  it("asks for the admin password (health stays open for probes)", async () => {
    expect((await fetch(stack.apiUrl)).status).toBe(401);
    expect((await fetch(`${stack.apiUrl}/api/rules`)).status).toBe(401);
    const wrong = await fetch(`${stack.apiUrl}/api/rules`, {
      headers: { authorization: `Basic ${Buffer.from("admin:guess").toString("base64")}` },
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${stack.apiUrl}/healthz`)).status).toBe(200);
  });

  it("lists the rules and opens the first in the editor", async () => {
    await expect.poll(() => page.locator("#rules tbody tr").count()).toBe(1);
    const row = page.locator('#rules tr[data-rule="low-stock"] td');
    expect(await row.allTextContents()).toEqual([
      "low-stock",
      "Below 10 units",
      "low_stock",
      "warning",
      "yes",
      "email ops@example.com",
      "ok",
      "Edit",
    ]);
    expect(await editorRule()).toMatchObject({ id: "low-stock", threshold: 10, hysteresis: 2 });
  });

  it("shows what is wrong with an edit, field by field, and saves nothing", async () => {
    await page.click("#advanced summary"); // the JSON view is the advanced one, folded away
    const rule = await editorRule();
    await page
      .locator("#editor")
      .fill(JSON.stringify({ ...rule, threshold: 0, channels: [{ type: "email", to: ["nope"] }] }));
    await page.click("#validate");
    await expect
      .poll(() => page.locator("#problems li").allTextContents())
      .toEqual([
        "channels.0.to.0: must be an email address",
        "threshold: Too small: expected number to be >=1",
      ]);
    expect(await page.locator("#status").textContent()).toBe("Not valid.");
    await page.click("#save");
    await expect.poll(() => page.locator("#status").textContent()).toBe("Not saved.");
    expect((await stack.api<{ threshold: number }>("/api/rules/low-stock")).body.threshold).toBe(10);

    await page.locator("#editor").fill("{ not json");
    await page.click("#validate");
    await expect
      .poll(() => page.locator("#problems li").first().textContent())
      .toMatch(/^\(editor\): not valid JSON/);
  });

  it("saves an edit that the running worker applies without a restart, and shows it firing", async () => {
    await page.locator("#editor").fill(
      JSON.stringify({
        id: "low-stock",
        name: "Below 25 units",
        kind: "low_stock",
        threshold: 25,
        severity: "critical",
        scope: { shops: ["ui.myshopify.com"] },
        channels: [{ type: "email", to: ["ops@example.com"] }],
      }),
    );
    await page.click("#save");
    await expect
      .poll(() => page.locator("#status").textContent())
      .toBe("Saved low-stock. It applies from the next evaluation.");
    await expect
      .poll(() => page.locator('#rules tr[data-rule="low-stock"] td').nth(1).textContent())
      .toBe("Below 25 units");

    // 20 units: under the new line (25), over the old one (10).
    await stack.sender
      .table("stockout_forecast")
      .symbol("platform", "shopify")
      .symbol("shop", "ui.myshopify.com")
      .symbol("sku", "LAMP")
      .intColumn("available", 20)
      .floatColumn("velocity_per_hour", 0)
      .floatColumn("reorder_point", 0)
      .floatColumn("lead_time_days", 7)
      .at(BigInt(Date.now()) * 1000n, "us");
    await stack.sender.flush();
    const firing = page.locator('#firing tr[data-subject="ui.myshopify.com/LAMP"] td');
    await expect.poll(() => firing.count(), { timeout: 20_000 }).toBe(5);
    const cells = await firing.allTextContents();
    expect(cells.slice(1)).toEqual([
      "Below 25 units",
      "critical",
      "ui.myshopify.com/LAMP",
      "Low stock: LAMP at ui.myshopify.com has 20 left (alert below 25)",
    ]);
    expect(await page.locator("#firing-empty").isHidden()).toBe(true);
    await eventually(async () =>
      expect(stack.smtp.messages.map((m) => m.subject)).toContain(
        "[CRITICAL] Low stock: LAMP at ui.myshopify.com has 20 left (alert below 25)",
      ),
    );
  });

  it("creates a rule from a template and deletes it", async () => {
    await page.selectOption("#new-kind", "no_orders");
    await page.click("#new");
    expect(await page.locator("#editor-title").textContent()).toBe("New rule");
    const template = await editorRule();
    expect(template).toMatchObject({ kind: "no_orders", minutes: 20 });
    await page.locator("#editor").fill(
      JSON.stringify({
        ...template,
        id: "quiet-ui",
        scope: { shops: ["ui.myshopify.com"] },
        channels: [{ type: "pagerduty", routingKeyEnv: "PAGERDUTY_ROUTING_KEY_NIGHT" }],
      }),
    );
    await page.click("#save");
    await expect.poll(() => page.locator("#rules tbody tr").count()).toBe(2);
    // Its channel names a routing-key variable this worker doesn't have: the list says so.
    expect(await page.locator('#rules tr[data-rule="quiet-ui"] td').nth(6).textContent()).toBe(
      "PAGERDUTY_ROUTING_KEY_NIGHT is not set",
    );

    page.once("dialog", (dialog) => void dialog.accept());
    await page.click("#delete");
    await expect.poll(() => page.locator("#rules tbody tr").count()).toBe(1);
    expect((await stack.api("/api/rules/quiet-ui")).status).toBe(404);
  });
});

const SHOP = "form.myshopify.com";
const HOUR = 3_600_000;
/** A fixed-offset zone where it is about midday now, so "today so far" holds hours on either side. */
const zone = (() => {
  const offset = 12 - new Date().getUTCHours(); // local = UTC + offset
  const clamped = Math.max(-12, Math.min(14, offset));
  return clamped === 0 ? "UTC" : `Etc/GMT${clamped > 0 ? "-" : "+"}${Math.abs(clamped)}`;
})();

describe("rules by form", () => {
  const now = Date.now();
  beforeAll(async () => {
    const s = stack.sender;
    // Stock: MUG is low (3 left, reorder point 8, sells out in 30 h, inside its 7-day lead time); TEE is fine.
    for (const [sku, available, rop, eta] of [
      ["MUG", 3, 8, 30],
      ["TEE", 100, 10, 1000],
    ] as const) {
      await s
        .table("stockout_forecast")
        .symbol("platform", "shopify")
        .symbol("shop", SHOP)
        .symbol("sku", sku)
        .intColumn("available", available)
        .intColumn("locations", 1)
        .floatColumn("velocity_per_hour", 0.1)
        .floatColumn("reorder_point", rop)
        .floatColumn("eta_hours", eta)
        .floatColumn("lead_time_days", 7)
        .at(BigInt(now) * 1000n, "us");
    }
    // Sales: today one order of 100.00 two hours ago; the same span last week five of 100.00.
    const orders = [now - 2 * HOUR, ...[1, 2, 3, 4, 5].map((k) => now - 7 * 24 * HOUR - k * 10 * 60_000)];
    for (const [i, at] of orders.entries()) {
      await s
        .table("orders")
        .symbol("platform", "shopify")
        .symbol("shop", SHOP)
        .symbol("status", "open")
        .symbol("currency", "USD")
        .stringColumn("order_id", `form-${i}`)
        .intColumn("total_minor", 10_000)
        .booleanColumn("test", false)
        .at(BigInt(at) * 1000n, "us");
    }
    // Checkouts: ten started today and ten the same span last week (so 10% today against 50%).
    for (let i = 0; i < 20; i++) {
      const at = i < 10 ? now - 3 * HOUR + i * 60_000 : now - 7 * 24 * HOUR - 3 * HOUR + i * 60_000;
      await s
        .table("sales_facts")
        .symbol("platform", "shopify")
        .symbol("shop", SHOP)
        .symbol("kind", "checkout")
        .stringColumn("id", `checkout-${i}`)
        .at(BigInt(at) * 1000n, "us");
    }
    await s.flush();
    await eventually(async () => {
      const { body } = await stack.api<{ skus: { sku: string }[]; shops: { shop: string }[] }>(
        "/api/choices",
      );
      expect(body.skus.map((k) => k.sku)).toEqual(expect.arrayContaining(["MUG", "TEE"]));
      expect(body.shops.map((k) => k.shop)).toContain(SHOP);
      const facts = await stack.db.exec(`SELECT count() FROM sales_facts WHERE shop = '${SHOP}'`);
      expect(facts.dataset[0]![0]).toBe(20);
    });
    await page.goto(stack.apiUrl);
    await page.locator("#rules tbody tr").first().waitFor();
  }, 60_000);

  const sentence = (kind: string) => page.locator(`.sentence[data-kinds="${kind}"]`);
  const startNew = async (kind: string) => {
    await page.selectOption("#new-kind", kind);
    await page.click("#new");
    expect(await page.locator("#f-kind").inputValue()).toBe(kind);
    await sentence(kind).locator('[data-path="scope.shops"]').selectOption(SHOP);
  };
  const resultLines = () => page.locator("#form-result p").allTextContents();
  const preview = async () => {
    await page.click("#form-preview");
    await expect.poll(async () => (await resultLines()).join("")).not.toMatch(/^(Working…)?$/);
    return resultLines();
  };
  const saveForm = async (id: string) => {
    await page.click("#form-save");
    await expect.poll(resultLines).toEqual([`Saved ${id}. It applies from the next evaluation.`]);
    return (await stack.api<Record<string, unknown>>(`/api/rules/${id}`)).body;
  };

  it("offers the shops and SKUs QuestDB knows in its pickers", async () => {
    await page.selectOption("#new-kind", "low_stock");
    await page.click("#new");
    const options = await sentence("low_stock").locator('[data-path="scope.shops"] option').allTextContents();
    expect(options).toContain(`${SHOP} (shopify)`);
    const skus = await page
      .locator("#sku-choices option")
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    expect(skus).toEqual(expect.arrayContaining(["MUG", "TEE"]));
  });

  it("marks a wrong field inline with the API's own words, and saves nothing", async () => {
    await startNew("low_stock");
    await sentence("low_stock").locator('[data-path="threshold"]').fill("0");
    await page.locator("#f-email").fill("not-an-address");
    await page.locator("#f-email").dispatchEvent("change");
    const thresholdError = sentence("low_stock").locator('[data-error-for="threshold"]');
    await expect.poll(() => thresholdError.textContent()).toBe("Too small: expected number to be >=1");
    await expect
      .poll(() => page.locator('[data-error-for="channel-email"]').textContent())
      .toBe("must be an email address");
    await page.click("#form-save");
    await expect.poll(resultLines).toEqual(["Not saved: fix what is marked."]);
    expect((await stack.api("/api/rules/stock-below-10-units")).status).toBe(404);
  });

  it("low stock: previews, sends a test email, saves", async () => {
    await startNew("low_stock");
    await page.locator('[data-path="name"]').fill("Mugs and tees under 5");
    await sentence("low_stock").locator('[data-path="scope.skus"]').fill("MUG, TEE");
    await sentence("low_stock").locator('[data-path="threshold"]').fill("5");
    await page.locator("#f-email").fill("ops@example.com");
    expect(await preview()).toEqual([
      "Would fire now for 1 of 2 checked (nothing was sent):",
      `Low stock: MUG at ${SHOP} has 3 left (alert below 5), selling 2.4/day; sells out in 30 h`,
    ]);
    await page.click("#form-test");
    await expect.poll(resultLines).toEqual(["Sent a test to email ops@example.com."]);
    await eventually(async () =>
      expect(stack.smtp.messages.map((m) => m.subject)).toContain(
        '[WARNING] Test notification for the rule "Mugs and tees under 5": nothing is wrong, this shows where its alerts arrive',
      ),
    );
    expect(await saveForm("mugs-and-tees-under-5")).toMatchObject({
      kind: "low_stock",
      threshold: 5,
      hysteresis: 2,
      cooldownMinutes: 60,
      scope: { shops: [SHOP], skus: ["MUG", "TEE"] },
      channels: [{ type: "email", to: ["ops@example.com"] }],
    });
  });

  it("reorder point: previews and saves", async () => {
    await startNew("reorder_point");
    await page.locator("#f-pagerduty").fill("PAGERDUTY_ROUTING_KEY");
    expect(await preview()).toEqual([
      "Would fire now for 1 of 2 checked (nothing was sent):",
      `Reorder MUG at ${SHOP}: 3 left, at or under its reorder point 8 (lead time 7 days, selling 2.4/day)`,
    ]);
    expect(await saveForm("stock-at-its-reorder-point")).toMatchObject({
      kind: "reorder_point",
      scope: { shops: [SHOP], skus: [] },
      channels: [{ type: "pagerduty", routingKeyEnv: "PAGERDUTY_ROUTING_KEY" }],
    });
  });

  it("stockout ETA: within its lead time by default, or a number of hours", async () => {
    await startNew("stockout_eta");
    expect(await preview()).toEqual([
      "Would fire now for 1 of 2 checked (nothing was sent):",
      `MUG at ${SHOP} sells out in 30 h, within its lead time (7 days): 3 left, selling 2.4/day`,
    ]);
    await sentence("stockout_eta").locator('[data-path="withinHours"]').fill("24");
    expect(await preview()).toEqual([
      "Would not fire now: 2 checked, none past the line (nothing was sent).",
    ]);
    expect(await saveForm("sells-out-within-its-lead-time")).toMatchObject({
      kind: "stockout_eta",
      withinHours: 24,
    });
  });

  it("no orders: quiet for longer than the minutes given, in opening hours", async () => {
    await startNew("no_orders");
    const s = sentence("no_orders");
    await s.locator('[data-path="minutes"]').fill("60");
    await s.locator('[data-path="openingHours.timeZone"]').fill(zone);
    const lines = await preview();
    expect(lines[0]).toBe("Would fire now for 1 of 1 checked (nothing was sent):");
    expect(lines[1]).toMatch(new RegExp(`^No orders at ${SHOP} for 12[0-2] minutes during opening hours`));
    // Closed on every day but today's: nothing to fire.
    const today = new Date().toLocaleDateString("en-GB", { timeZone: zone, weekday: "short" });
    for (const box of await s.locator('[data-path="openingHours.days"] input').all()) {
      const label = await box.evaluate((el) => el.parentElement!.textContent);
      await box.setChecked(label !== today);
    }
    expect(await preview()).toEqual([
      "Would not fire now: 1 checked, none past the line (nothing was sent).",
    ]);
    const saved = await saveForm("no-orders-for-20-minutes");
    expect(saved).toMatchObject({
      kind: "no_orders",
      minutes: 60,
      openingHours: { timeZone: zone, from: "00:00", to: "24:00" },
    });
    expect((saved.openingHours as { days: number[] }).days).toHaveLength(6);
  });

  it("revenue below last week: the percentage alone, then also its band over the weeks", async () => {
    await startNew("revenue_drop");
    const s = sentence("revenue_drop");
    await s.locator('[data-path="timeZone"]').fill(zone);
    await s.locator('[data-path="zScore"]').fill("");
    const lines = await preview();
    expect(lines[0]).toBe("Would fire now for 1 of 1 checked (nothing was sent):");
    // Today 100.00 against 500.00: 80% under.
    expect(lines[1]).toContain(`Revenue at ${SHOP} is 80% under last week`);
    expect(lines[1]).toContain("100.00 USD vs 500.00 USD");
    await s.locator('[data-path="dropPercent"]').fill("85");
    expect(await preview()).toEqual([
      "Would not fire now: 1 checked, none past the line (nothing was sent).",
    ]);
    expect(await saveForm("revenue-30-under-last-week")).toMatchObject({
      kind: "revenue_drop",
      dropPercent: 85,
      weeks: 4,
    });
  });

  it("conversion below last week", async () => {
    await startNew("conversion_drop");
    const s = sentence("conversion_drop");
    await s.locator('[data-path="timeZone"]').fill(zone);
    await s.locator('[data-path="minCheckouts"]').fill("5");
    // 1 order in 10 checkouts today, 5 in 10 last week: 80% under.
    expect(await preview()).toEqual([
      "Would fire now for 1 of 1 checked (nothing was sent):",
      `Checkout conversion at ${SHOP} is 80% under last week: 10% (1 orders / 10 checkouts) vs 50% (5 / 10)`,
    ]);
    expect(await saveForm("conversion-25-under-last-week")).toMatchObject({
      kind: "conversion_drop",
      minCheckouts: 5,
    });
  });

  it("numbers don't match: only days whose latest check still differs after a re-read", async () => {
    const checks = [
      // 11-28 differed, and its latest check (an hour later) still does: it counts.
      { day: "2026-11-28", outcome: "persists", ours: 9, theirs: 10, hoursAgo: 3 },
      { day: "2026-11-28", outcome: "persists", ours: 9, theirs: 10, hoursAgo: 2 },
      // 11-29 differed, then a later re-read fixed it: the latest check wins, so it does not count.
      { day: "2026-11-29", outcome: "persists", ours: 4, theirs: 6, hoursAgo: 3 },
      { day: "2026-11-29", outcome: "fixed", ours: 6, theirs: 6, hoursAgo: 1 },
    ];
    for (const c of checks)
      await stack.sender
        .table("reconciliation")
        .symbol("platform", "shopify")
        .symbol("shop", SHOP)
        .symbol("outcome", c.outcome)
        .stringColumn("day", c.day)
        .intColumn("ours_after_count", c.ours)
        .intColumn("theirs_count", c.theirs)
        .at(BigInt(Date.now() - c.hoursAgo * HOUR) * 1000n, "us");
    await stack.sender.flush();
    await eventually(async () => {
      const [[rows]] = (await stack.db.exec<[number]>("SELECT count() FROM reconciliation")).dataset as [
        [number],
      ];
      expect(rows).toBe(checks.length);
    });
    await startNew("numbers_mismatch");
    await sentence("numbers_mismatch").locator('[data-path="minDays"]').fill("1");
    expect(await preview()).toEqual([
      "Would fire now for 1 of 1 checked (nothing was sent):",
      `Numbers don't match at ${SHOP}: 2026-11-28 ours 9 vs 10 on shopify (after a re-fetch)`,
    ]);
    expect(await saveForm("our-numbers-don-t-match-the-platform-s")).toMatchObject({
      kind: "numbers_mismatch",
      minDays: 1,
      scope: { shops: [SHOP], skus: [] },
    });
  });

  describe("shipping", () => {
    const ACCOUNT = "form-parcels";
    beforeAll(async () => {
      const s = stack.sender;
      // Two sales 30 h old: #5001 has no label, #5002 has a live one (its number as ShipStation sends it).
      for (const n of [5001, 5002]) {
        await s
          .table("orders")
          .symbol("platform", "shopify")
          .symbol("shop", SHOP)
          .symbol("status", "sale")
          .symbol("currency", "USD")
          .stringColumn("order_id", `ship-${n}`)
          .stringColumn("order_number", `#${n}`)
          .intColumn("total_minor", 5_000)
          .booleanColumn("test", false)
          .at(BigInt(now - 30 * HOUR) * 1000n, "us");
      }
      await s
        .table("shipments")
        .symbol("shipper", "shipstation")
        .symbol("account", ACCOUNT)
        .symbol("currency", "USD")
        .stringColumn("shipment_id", "ship-label-5002")
        .stringColumn("order_ref", "5002")
        .intColumn("label_cost_minor", 700)
        .booleanColumn("is_return", false)
        .at(BigInt(now - 29 * HOUR) * 1000n, "us");
      // Tracking now: 4 UPS parcels — 1 in a delivery exception, 1 past its ETA on the way, 2 delivered.
      const parcels = [
        ["1ZF1", "FAILURE", now + 24 * HOUR],
        ["1ZL1", "TRANSIT", now - 2 * HOUR],
        ["1ZD1", "DELIVERED", now - 2 * HOUR],
        ["1ZD2", "DELIVERED", now + 2 * HOUR],
      ] as const;
      for (const [tn, status, eta] of parcels) {
        const row = s
          .table("tracking_events")
          .symbol("shipper", "shippo")
          .symbol("account", ACCOUNT)
          .symbol("status", status)
          .symbol("carrier", "ups")
          .stringColumn("tracking_number", tn)
          .timestampColumn("eta", BigInt(eta) * 1000n, "us");
        if (status === "DELIVERED") row.timestampColumn("delivered_at", BigInt(now - HOUR) * 1000n, "us");
        await row.at(BigInt(now - HOUR) * 1000n, "us");
      }
      await s.flush();
      await eventually(async () => {
        const [[parcelsIn]] = (await stack.db.exec<[number]>("SELECT count() FROM tracking_events"))
          .dataset as [[number]];
        const [[labels]] = (await stack.db.exec<[number]>("SELECT count() FROM shipments")).dataset as [
          [number],
        ];
        const [[sales]] = (
          await stack.db.exec<[number]>(`SELECT count() FROM orders WHERE order_number IN ('#5001', '#5002')`)
        ).dataset as [[number]];
        expect([parcelsIn, labels, sales]).toEqual([4, 1, 2]);
      });
    });

    it("unshipped after N hours: the order with no label, per shop", async () => {
      await startNew("unshipped_after");
      expect(await preview()).toEqual([
        "Would fire now for 1 of 1 checked (nothing was sent):",
        `1 order at ${SHOP} unshipped after 24 h (oldest waiting 30 h)`,
      ]);
      await sentence("unshipped_after").locator('[data-path="hours"]').fill("36");
      expect(await preview()).toEqual([
        "Would not fire now: 0 checked, none past the line (nothing was sent).",
      ]);
      expect(await saveForm("orders-unshipped-after-24-hours")).toMatchObject({
        kind: "unshipped_after",
        hours: 36,
        minOrders: 1,
      });
    });

    const startShipping = async (kind: string) => {
      await page.selectOption("#new-kind", kind);
      await page.click("#new");
      expect(await page.locator("#f-kind").inputValue()).toBe(kind);
    };

    it("late deliveries: parcels past their ETA and not delivered, per carrier", async () => {
      await startShipping("late_deliveries");
      // 1ZL1 only: 1ZD1 was delivered (after its ETA, but delivered), 1ZF1 is an exception, not late.
      expect(await preview()).toEqual([
        "Would fire now for 1 of 1 checked (nothing was sent):",
        `1 ups parcel past ETA and not delivered (shippo ${ACCOUNT})`,
      ]);
      expect(await saveForm("parcels-past-their-eta")).toMatchObject({
        kind: "late_deliveries",
        withinHours: 168,
      });
    });

    it("exception rate: the share of a carrier's parcels in a delivery exception", async () => {
      await startShipping("exception_rate");
      const s = sentence("exception_rate");
      await s.locator('[data-path="minParcels"]').fill("4");
      // 1 of 4 UPS parcels: 25%, over the 5% line.
      expect(await preview()).toEqual([
        "Would fire now for 1 of 1 checked (nothing was sent):",
        `25% of ups parcels in a delivery exception (1 of 4, shippo ${ACCOUNT})`,
      ]);
      await s.locator('[data-path="percent"]').fill("30");
      expect(await preview()).toEqual([
        "Would not fire now: 1 checked, none past the line (nothing was sent).",
      ]);
      expect(await saveForm("delivery-exceptions-rising")).toMatchObject({
        kind: "exception_rate",
        percent: 30,
        minParcels: 4,
      });
    });
  });

  it("keeps every change with who made it, when, before and after, on the page and in QuestDB", async () => {
    type Change = {
      rule_id: string;
      action: string;
      actor: string;
      before: string | null;
      after: string | null;
    };
    const changes = await eventually(async () => {
      const { body } = await stack.api<{ changes: Change[] }>("/api/audit?rule=low-stock");
      expect(body.changes.map((c) => [c.action, c.actor])).toEqual([
        ["changed", "admin"],
        ["created", "metricsdash (ALERT_RULES_FILE)"],
      ]);
      return body.changes;
    });
    const [changed] = changes;
    expect(JSON.parse(changed!.before!)).toMatchObject({ threshold: 10, name: "Below 10 units" });
    expect(JSON.parse(changed!.after!)).toMatchObject({
      threshold: 25,
      name: "Below 25 units",
      severity: "critical",
    });
    // The rule deleted through the JSON view, and one saved through the form, are there too.
    const { body } = await stack.api<{ changes: Change[] }>("/api/audit");
    expect(body.changes.filter((c) => c.rule_id === "quiet-ui").map((c) => c.action)).toEqual([
      "deleted",
      "created",
    ]);
    expect(body.changes.find((c) => c.rule_id === "mugs-and-tees-under-5")).toMatchObject({
      action: "created",
      actor: "admin",
    });
    // The same rows straight from QuestDB, as an auditor would query them.
    const rows = await stack.db.exec("SELECT count() FROM rule_audit WHERE rule_id = 'low-stock'");
    expect(rows.dataset[0]![0]).toBe(2);

    await page.goto(stack.apiUrl);
    const row = page.locator('#audit tr[data-rule="low-stock"]').first();
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(1, 4)).toEqual(["admin", "low-stock", "changed"]);
    expect(cells[4]).toContain('name: "Below 10 units" → "Below 25 units"');
    expect(cells[4]).toContain("threshold: 10 → 25");
  });

  it("shows each rule's recent incidents", async () => {
    await page.locator('#rules tr[data-rule="low-stock"] button').click();
    const row = page.locator('#incidents tr[data-subject="ui.myshopify.com/LAMP"]');
    await expect.poll(() => row.count()).toBeGreaterThan(0);
    expect(await row.first().locator("td").nth(1).textContent()).toBe("firing");
  });
  describe("payment rules", () => {
    beforeAll(async () => {
      const s = stack.sender;
      const at = (ms: number) => BigInt(ms) * 1000n;
      // One open dispute of 25.99 USD opened an hour ago, one closed; one failed payout of 500.00 EUR.
      for (const [id, open] of [
        ["dp_form_open", true],
        ["dp_form_closed", false],
      ] as const) {
        await s
          .table("disputes")
          .symbol("processor", "stripe")
          .symbol("shop", "stripe")
          .symbol("outcome", open ? "disputed" : "dispute_won")
          .symbol("status", open ? "needs_response" : "won")
          .symbol("currency", "USD")
          .stringColumn("dispute_id", id)
          .stringColumn("payment_id", "ch_form")
          .booleanColumn("open", open)
          .intColumn("amount_minor", 2599)
          .timestampColumn("updated_at", at(now - HOUR), "us")
          .timestampColumn("received_at", at(now - HOUR), "us")
          .at(at(now - HOUR), "us");
      }
      await s
        .table("payouts")
        .symbol("processor", "stripe")
        .symbol("shop", "stripe")
        .symbol("status", "failed")
        .symbol("currency", "EUR")
        .stringColumn("payout_id", "po_form")
        .booleanColumn("failed", true)
        .intColumn("amount_minor", 50_000)
        .timestampColumn("updated_at", at(now - HOUR), "us")
        .timestampColumn("received_at", at(now - HOUR), "us")
        .at(at(now - HOUR), "us");
      // PayPal in the last half hour: 3 completed captures, 3 denied (50 %); Stripe: 1 failed charge of 10.
      const attempts = [
        ...[1, 2, 3].map((i) => ["paypal", "captured", "COMPLETED", `cap_ok_${i}`] as const),
        ...[1, 2, 3].map((i) => ["paypal", "captured", "DENIED", `cap_denied_${i}`] as const),
        ...Array.from({ length: 10 }, (_, i) => ["stripe", "captured", "succeeded", `ch_ok_${i}`] as const),
        ["stripe", "failed", "failed", "ch_failed"] as const,
      ];
      for (const [processor, kind, status, id] of attempts) {
        await s
          .table("payments")
          .symbol("processor", processor)
          .symbol("shop", processor)
          .symbol("kind", kind)
          .symbol("currency", "USD")
          .symbol("status", status)
          .stringColumn("object_id", id)
          .stringColumn("entry", "")
          .intColumn("amount_minor", 1000)
          .timestampColumn("updated_at", at(now - HOUR / 2), "us")
          .timestampColumn("received_at", at(now - HOUR / 2), "us")
          .at(at(now - HOUR / 2), "us");
      }
      await s.flush();
      await eventually(async () => {
        const counts = [];
        for (const table of ["payments", "disputes", "payouts"])
          counts.push((await stack.db.exec(`SELECT count() FROM ${table}`)).dataset[0]![0]);
        expect(counts).toEqual([attempts.length, 2, 1]);
      });
    });

    const startPaymentRule = async (kind: string) => {
      await page.selectOption("#new-kind", kind);
      await page.click("#new");
      expect(await page.locator("#f-kind").inputValue()).toBe(kind);
      expect(await sentence(kind).isVisible()).toBe(true);
    };

    it("dispute opened: fires for the open dispute only", async () => {
      await startPaymentRule("dispute_opened");
      await sentence("dispute_opened").locator('[data-path="withinHours"]').fill("24");
      expect(await preview()).toEqual([
        "Would fire now for 1 of 2 checked (nothing was sent):",
        "Dispute opened on stripe: 25.99 USD (needs_response) on ch_form",
      ]);
      expect(await saveForm("a-dispute-was-opened")).toMatchObject({
        kind: "dispute_opened",
        withinHours: 24,
      });
    });

    it("payout failed", async () => {
      await startPaymentRule("payout_failed");
      expect(await preview()).toEqual([
        "Would fire now for 1 of 1 checked (nothing was sent):",
        "Payout failed on stripe: 500.00 EUR (po_form)",
      ]);
      expect(await saveForm("a-payout-failed")).toMatchObject({ kind: "payout_failed", withinHours: 72 });
    });

    it("payments declined above a rate: PayPal's 3 DENIED of 6 fire, Stripe's 1 of 11 does not", async () => {
      await startPaymentRule("payment_failures");
      const s = sentence("payment_failures");
      await s.locator('[data-path="ratePercent"]').fill("40");
      await s.locator('[data-path="minFailures"]').fill("3");
      expect(await preview()).toEqual([
        "Would fire now for 1 of 2 checked (nothing was sent):",
        "Payments declined on paypal (paypal): 3 of 6 attempts in the last 60 min (50%, alert at 40%)",
      ]);
      // A wrong number is marked beside its field, in the API's words.
      await s.locator('[data-path="windowMinutes"]').fill("2");
      await page.click("#form-save");
      await expect.poll(() => page.locator('[data-error-for="windowMinutes"]').textContent()).toMatch(/5/);
      await s.locator('[data-path="windowMinutes"]').fill("60");
      expect(await saveForm("payments-declined-20-or-more-in-an-hour")).toMatchObject({
        kind: "payment_failures",
        ratePercent: 40,
        minFailures: 3,
        windowMinutes: 60,
        hysteresis: 5,
      });
    });
  });
});
