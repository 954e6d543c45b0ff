import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertingStack, type AlertingStack } from "./support/alerting-stack.ts";
import { eventually } from "./support/eventually.ts";

/** The settings page in headless Chromium, against the worker as it runs (real NATS KV, real QuestDB). */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
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
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ httpCredentials: { username: "admin", password: PASSWORD } });
  page = await context.newPage();
  await page.goto(stack.apiUrl);
}, 120_000);
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
});
