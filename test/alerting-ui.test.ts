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
