/**
 * The settings page: one self-contained HTML document (no build step, no external assets) that
 * talks to the API beside it. Every value from the server is put in with textContent, never as HTML.
 */
export function settingsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MetricsDash · Alert rules</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem; color: #1d2330; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #dde1e8; vertical-align: top; }
  th { font-weight: 600; background: #f4f6f9; }
  .sev-critical, .sev-error { color: #b3261e; font-weight: 600; } .sev-warning { color: #9a6700; }
  textarea { width: 100%; min-height: 22rem; font: 13px/1.4 ui-monospace, monospace; }
  button, select { font: inherit; padding: .3rem .8rem; margin-right: .4rem; }
  #problems li { color: #b3261e; } #status { min-height: 1.4em; color: #1a7f37; }
  .muted { color: #687083; } .error { color: #b3261e; }
</style>
</head>
<body>
<h1>Alert rules</h1>

<h2>Firing now</h2>
<table id="firing"><thead><tr><th>Since</th><th>Rule</th><th>Severity</th><th>Subject</th><th>What</th></tr></thead><tbody></tbody></table>
<p id="firing-empty" class="muted">Nothing is firing.</p>

<h2>Rules</h2>
<table id="rules"><thead><tr><th>Id</th><th>Name</th><th>Kind</th><th>Severity</th><th>Enabled</th><th>Channels</th><th>Status</th><th></th></tr></thead><tbody></tbody></table>

<h2 id="editor-title">Edit a rule</h2>
<p>
  <label for="new-kind">New rule of kind</label>
  <select id="new-kind"></select>
  <button id="new" type="button">New</button>
</p>
<label for="editor">Rule (JSON)</label>
<textarea id="editor" spellcheck="false"></textarea>
<p>
  <button id="validate" type="button">Validate</button>
  <button id="save" type="button">Save</button>
  <button id="delete" type="button">Delete</button>
</p>
<div id="status" role="status"></div>
<ul id="problems" aria-live="polite"></ul>

<script type="module">
const $ = (id) => document.getElementById(id);
const templates = {
  low_stock: { id: "low-stock", name: "Email me below 10 units", kind: "low_stock", severity: "warning", threshold: 10, hysteresis: 2, scope: { shops: [], skus: [] }, channels: [{ type: "email", to: ["ops@example.com"] }], cooldownMinutes: 60 },
  reorder_point: { id: "reorder", name: "At or under the reorder point", kind: "reorder_point", severity: "info", scope: { shops: [], skus: [] }, channels: [{ type: "email", to: ["buyer@example.com"] }], cooldownMinutes: 720 },
  stockout_eta: { id: "stockout-within-lead-time", name: "Sells out within its lead time", kind: "stockout_eta", severity: "critical", scope: { shops: [], skus: [] }, channels: [{ type: "pagerduty", routingKeyEnv: "PAGERDUTY_ROUTING_KEY" }], cooldownMinutes: 60 },
  no_orders: { id: "no-orders", name: "No order for 20 minutes in opening hours", kind: "no_orders", severity: "critical", minutes: 20, openingHours: { timeZone: "Europe/Berlin", days: [1, 2, 3, 4, 5, 6], from: "08:00", to: "22:00" }, scope: { shops: [] }, channels: [{ type: "pagerduty", routingKeyEnv: "PAGERDUTY_ROUTING_KEY" }], cooldownMinutes: 30 },
  revenue_drop: { id: "revenue-drop", name: "Revenue 30% under last week", kind: "revenue_drop", severity: "warning", dropPercent: 30, zScore: 2, weeks: 4, timeZone: "Europe/Berlin", minBaselineMinor: 10000, scope: { shops: [] }, channels: [{ type: "email", to: ["owner@example.com"] }], cooldownMinutes: 120 },
  conversion_drop: { id: "conversion-drop", name: "Conversion 25% under last week", kind: "conversion_drop", severity: "warning", dropPercent: 25, minCheckouts: 20, timeZone: "Europe/Berlin", scope: { shops: [] }, channels: [{ type: "email", to: ["owner@example.com"] }], cooldownMinutes: 120 },
  numbers_mismatch: { id: "numbers-mismatch", name: "Our numbers don't match the platform's", kind: "numbers_mismatch", severity: "error", minDays: 1, scope: { shops: [] }, channels: [{ type: "email", to: ["ops@example.com"] }], cooldownMinutes: 720 },
  dispute_opened: { id: "dispute-opened", name: "A dispute was opened", kind: "dispute_opened", severity: "error", withinHours: 72, scope: { shops: [] }, channels: [{ type: "pagerduty", routingKeyEnv: "PAGERDUTY_ROUTING_KEY" }], cooldownMinutes: 0 },
  payout_failed: { id: "payout-failed", name: "A payout failed", kind: "payout_failed", severity: "critical", withinHours: 72, scope: { shops: [] }, channels: [{ type: "email", to: ["finance@example.com"] }], cooldownMinutes: 0 },
};
let current = null; // id of the rule in the editor, null for a new one

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function say(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function showProblems(problems) {
  const list = $("problems");
  list.replaceChildren();
  for (const p of problems) {
    const li = document.createElement("li");
    li.textContent = p.path + ": " + p.message;
    list.appendChild(li);
  }
}

function edit(rule) {
  current = rule.id ?? null;
  const { status, ...plain } = rule;
  $("editor").value = JSON.stringify(plain, null, 2);
  $("editor-title").textContent = current ? "Edit rule " + current : "New rule";
  showProblems([]);
  say("");
}

async function loadRules() {
  const res = await fetch("api/rules");
  const data = await res.json();
  const kinds = $("new-kind");
  if (!kinds.options.length) for (const k of data.kinds) kinds.appendChild(new Option(k, k));
  const body = $("rules").tBodies[0];
  body.replaceChildren();
  for (const rule of data.rules) {
    const tr = document.createElement("tr");
    tr.dataset.rule = rule.id;
    cell(tr, rule.id);
    cell(tr, rule.name);
    cell(tr, rule.kind);
    cell(tr, rule.severity, "sev-" + rule.severity);
    cell(tr, rule.enabled ? "yes" : "no");
    cell(tr, rule.channels.map((c) => (c.type === "email" ? "email " + c.to.join(", ") : "pagerduty " + c.routingKeyEnv)).join("; "));
    const problems = [];
    if (rule.status.error) problems.push("cannot evaluate: " + rule.status.error);
    for (const name of rule.status.missingEnv) problems.push(name + " is not set");
    cell(tr, problems.join("; ") || "ok", problems.length ? "error" : "muted");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Edit";
    button.addEventListener("click", () => edit(rule));
    tr.appendChild(document.createElement("td")).appendChild(button);
    body.appendChild(tr);
  }
  return data.rules;
}

async function loadFiring() {
  const res = await fetch("api/alerts");
  const data = await res.json();
  const body = $("firing").tBodies[0];
  body.replaceChildren();
  for (const i of data.incidents) {
    const tr = document.createElement("tr");
    tr.dataset.subject = i.subject;
    cell(tr, i.firedAt);
    cell(tr, i.ruleName);
    cell(tr, i.severity ?? "", "sev-" + i.severity);
    cell(tr, i.subject);
    cell(tr, i.summary);
    body.appendChild(tr);
  }
  $("firing-empty").hidden = data.incidents.length > 0;
}

function parseEditor() {
  try {
    return JSON.parse($("editor").value);
  } catch (err) {
    showProblems([{ path: "(editor)", message: "not valid JSON: " + err.message }]);
    say("Fix the JSON first.", true);
    return undefined;
  }
}

$("new").addEventListener("click", () => {
  edit(templates[$("new-kind").value]);
  current = null;
  $("editor-title").textContent = "New rule";
});
$("validate").addEventListener("click", async () => {
  const rule = parseEditor();
  if (rule === undefined) return;
  const res = await fetch("api/rules/validate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
  const data = await res.json();
  if (res.ok) { showProblems([]); say("Valid."); } else { showProblems(data.error.problems ?? [{ path: "(rule)", message: data.error.message }]); say("Not valid.", true); }
});
$("save").addEventListener("click", async () => {
  const rule = parseEditor();
  if (rule === undefined) return;
  const res = await fetch(rule.id ? "api/rules/" + encodeURIComponent(rule.id) : "api/rules", {
    method: rule.id ? "PUT" : "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rule),
  });
  const data = await res.json();
  if (!res.ok) { showProblems(data.error.problems ?? [{ path: "(rule)", message: data.error.message }]); say("Not saved.", true); return; }
  showProblems([]);
  current = data.id;
  say("Saved " + data.id + ". It applies from the next evaluation.");
  await loadRules();
});
$("delete").addEventListener("click", async () => {
  if (!current) return say("Nothing to delete: this rule was never saved.", true);
  if (!confirm("Delete rule " + current + "?")) return;
  const res = await fetch("api/rules/" + encodeURIComponent(current), { method: "DELETE" });
  if (res.ok) { say("Deleted " + current + "."); edit(templates[$("new-kind").value]); await loadRules(); }
  else say("Not deleted: " + (await res.json()).error.message, true);
});

const rules = await loadRules();
const wanted = new URLSearchParams(location.hash.slice(1)).get("rule");
const start = rules.find((r) => r.id === wanted) ?? rules[0];
if (start) edit(start); else edit(templates.low_stock);
await loadFiring();
setInterval(() => { loadFiring().catch(() => say("Lost contact with the server.", true)); }, 3000);
</script>
</body>
</html>`;
}
