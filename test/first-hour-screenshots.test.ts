import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertingStack, writeViralForecast, type AlertingStack } from "./support/alerting-stack.ts";
import { launchChromium } from "./support/chromium.ts";
import { eventually } from "./support/eventually.ts";
import { decodePng } from "./support/png.ts";

/**
 * A store owner's first look at the alert settings page, in Chromium, with the default rules and
 * one incident firing: what a person sees, kept as screenshots in test/results/screenshots/ (looked
 * at by hand; the findings are in docs/alerting.md). The checks here are what the pictures must show.
 */
const OUT = fileURLToPath(new URL("./results/screenshots/", import.meta.url));
let stack: AlertingStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startAlertingStack([], { defaults: true });
  await writeViralForecast(stack.sender);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  mkdirSync(OUT, { recursive: true });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Saves the picture and checks it is not blank (more than one colour in it). */
async function keep(name: string, png: Buffer) {
  writeFileSync(join(OUT, name), png);
  const image = decodePng(png);
  const colours = new Set<string>();
  for (let y = 0; y < image.height; y += 7)
    for (let x = 0; x < image.width; x += 7) colours.add(image.pixel(x, y).join());
  expect(colours.size, name).toBeGreaterThan(2);
}

describe("the first hour, as seen in Chromium", () => {
  it("the settings page lists the four default rules, with no channel yet", async () => {
    await page.goto(stack.apiUrl);
    await expect.poll(() => page.locator("#rules tbody tr").count()).toBe(4);
    const channels = await page.locator("#rules tbody tr td:nth-child(6)").allTextContents();
    expect(channels).toEqual(Array(4).fill("none (this page only)"));
    await keep("settings-default-rules.png", await page.screenshot({ fullPage: true }));
  });

  it("an incident: the viral product at its reorder point and selling out within its lead time", async () => {
    await eventually(
      async () => {
        await page.reload();
        const subjects = await page
          .locator("#firing tbody tr")
          .evaluateAll((rows) =>
            rows.map((r) => (r as unknown as { dataset: { subject?: string } }).dataset.subject),
          );
        expect(subjects).toContain("viral.myshopify.com/HOODIE");
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    await keep("incident-firing.png", await page.locator("#firing").screenshot());
  });

  it("a rule's form in plain words, and its recent incidents", async () => {
    await page.locator('#rules tr[data-rule="reorder-point"] button').click();
    await expect.poll(() => page.locator("#editor-title").textContent()).toBe("Edit rule reorder-point");
    await expect.poll(() => page.locator("#incidents tbody tr").count()).toBeGreaterThan(0);
    await page.locator("#editor-title").scrollIntoViewIfNeeded();
    await keep("rule-form.png", await page.screenshot());
  });

  it("a change through the form appears in the audit trail with who and before → after", async () => {
    await page.locator("#f-email").fill("ops@example.com");
    await page.click("#form-save");
    await expect
      .poll(() => page.locator("#form-result p").allTextContents())
      .toEqual(["Saved reorder-point. It applies from the next evaluation."]);
    const row = page.locator('#audit tr[data-rule="reorder-point"]').first();
    await expect.poll(() => row.locator("td").nth(3).textContent()).toBe("changed");
    expect(await row.locator("td").nth(4).textContent()).toContain('"ops@example.com"');
    await page.locator("#audit").scrollIntoViewIfNeeded();
    await keep("audit-trail.png", await page.locator("#audit").screenshot());
  });
});
