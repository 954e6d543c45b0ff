/**
 * The settings page's script (plain browser JavaScript, no framework). The form is the main way to
 * write a rule; the JSON editor under "Advanced" shows the same rule and can save it as typed. Every
 * check is the API's (the zod schema the worker loads rules with), so the page and the worker never
 * disagree about what a valid rule is. Server values go in with textContent only.
 */
export const PAGE_SCRIPT = String.raw`
const $ = (id) => document.getElementById(id);
const form = $("rule-form");
const json = { "content-type": "application/json" };
// Starting points per kind: the schema's own defaults, plus the numbers a new rule needs.
const templates = {
  low_stock: { id: "", name: "Stock below 10 units", kind: "low_stock", severity: "warning", threshold: 10, hysteresis: 2, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 60 },
  reorder_point: { id: "", name: "Stock at its reorder point", kind: "reorder_point", severity: "warning", hysteresis: 2, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 720 },
  stockout_eta: { id: "", name: "Sells out within its lead time", kind: "stockout_eta", severity: "critical", hysteresis: 6, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 60 },
  no_orders: { id: "", name: "No orders for 20 minutes", kind: "no_orders", severity: "critical", minutes: 20, hysteresis: 0, openingHours: { timeZone: "UTC", days: [1, 2, 3, 4, 5, 6, 7], from: "00:00", to: "24:00" }, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 30 },
  revenue_drop: { id: "", name: "Revenue 30% under last week", kind: "revenue_drop", severity: "warning", dropPercent: 30, zScore: 2, weeks: 4, timeZone: "UTC", minBaselineMinor: 10000, hysteresis: 5, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 120 },
  conversion_drop: { id: "", name: "Conversion 25% under last week", kind: "conversion_drop", severity: "warning", dropPercent: 25, minCheckouts: 20, timeZone: "UTC", hysteresis: 5, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 120 },
  numbers_mismatch: { id: "", name: "Our numbers don't match the platform's", kind: "numbers_mismatch", severity: "error", minDays: 1, hysteresis: 0, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 720 },
  dispute_opened: { id: "", name: "A dispute was opened", kind: "dispute_opened", severity: "error", withinHours: 72, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 0 },
  payment_failures: { id: "", name: "Payments declined: 20% or more in an hour", kind: "payment_failures", severity: "error", ratePercent: 20, minFailures: 5, windowMinutes: 60, hysteresis: 5, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 60 },
  payout_failed: { id: "", name: "A payout failed", kind: "payout_failed", severity: "critical", withinHours: 72, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 0 },
  unshipped_after: { id: "", name: "Orders unshipped after 24 hours", kind: "unshipped_after", severity: "warning", hours: 24, minOrders: 1, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 240 },
  late_deliveries: { id: "", name: "Parcels past their ETA", kind: "late_deliveries", severity: "warning", withinHours: 168, minParcels: 1, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 720 },
  exception_rate: { id: "", name: "Delivery exceptions rising", kind: "exception_rate", severity: "error", percent: 5, withinHours: 168, minParcels: 20, hysteresis: 2, scope: { shops: [], skus: [] }, channels: [], cooldownMinutes: 720 },
};
const UNITS = { low_stock: "units", reorder_point: "units", stockout_eta: "hours", no_orders: "minutes", revenue_drop: "percentage points", conversion_drop: "percentage points", numbers_mismatch: "days", payment_failures: "percentage points", exception_rate: "percentage points" };
const WORKING = "Working…";
let current = null; // id of the saved rule being edited, null for a new one
let channelFields = []; // which form field each channel of the last built rule came from

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

/** An instant in the viewer's own time, to the second; the exact UTC instant on hover. */
function timeCell(row, iso) {
  const at = new Date(iso);
  const td = cell(row, Number.isNaN(at.getTime()) ? iso : at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" }));
  td.title = iso;
  td.style.whiteSpace = "nowrap";
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

// ---- the form ----------------------------------------------------------------------------------

const kind = () => $("f-kind").value;
const shown = (el) => {
  const box = el.closest("[data-kinds]");
  return !box || box.dataset.kinds.split(" ").includes(kind());
};
const fields = () => [...form.querySelectorAll("[data-path]")].filter(shown);

function getPath(obj, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys.at(-1)] = value;
}

function readField(el) {
  const text = el.value == null ? "" : el.value.trim();
  switch (el.dataset.type) {
    case "int": case "number": return text === "" ? undefined : Number(text);
    case "bool": return el.checked;
    case "list": return text.split(/[\s,]+/).filter(Boolean);
    case "multi": return [...el.selectedOptions].map((o) => o.value);
    case "days": return [...el.querySelectorAll("input:checked")].map((i) => Number(i.value));
    default: return text === "" ? undefined : text;
  }
}

function writeField(el, value) {
  switch (el.dataset.type) {
    case "bool": el.checked = value !== false; break;
    case "list": el.value = (value ?? []).join(", "); break;
    case "multi":
      for (const v of value ?? []) if (![...el.options].some((o) => o.value === v)) el.appendChild(new Option(v, v));
      for (const o of el.options) o.selected = (value ?? []).includes(o.value);
      break;
    case "days": for (const i of el.querySelectorAll("input")) i.checked = (value ?? []).includes(Number(i.value)); break;
    default: el.value = value ?? "";
  }
}

const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);

/** The rule the form describes, as the API will check it. */
function formRule() {
  const rule = {};
  for (const el of fields()) {
    const value = readField(el);
    if (value !== undefined) setPath(rule, el.dataset.path, value);
  }
  if (!rule.id && !current && rule.name) rule.id = slug(rule.name);
  rule.channels = [];
  channelFields = [];
  const to = $("f-email").value.split(/[\s,;]+/).filter(Boolean);
  if (to.length) { rule.channels.push({ type: "email", to }); channelFields.push("channel-email"); }
  const key = $("f-pagerduty").value.trim();
  if (key) { rule.channels.push({ type: "pagerduty", routingKeyEnv: key }); channelFields.push("channel-pagerduty"); }
  return rule;
}

function showKind() {
  for (const box of form.querySelectorAll("[data-kinds]")) box.hidden = !box.dataset.kinds.split(" ").includes(kind());
  $("f-hysteresis-unit").textContent = UNITS[kind()] ?? "";
}

function fillForm(rule) {
  $("f-kind").value = rule.kind;
  showKind();
  for (const el of form.querySelectorAll("[data-path]")) if (el.id !== "f-kind") writeField(el, getPath(rule, el.dataset.path));
  const channels = rule.channels ?? [];
  $("f-email").value = channels.filter((c) => c.type === "email").flatMap((c) => c.to).join(", ");
  $("f-pagerduty").value = channels.find((c) => c.type === "pagerduty")?.routingKeyEnv ?? "";
  $("f-id").readOnly = Boolean(current);
  showFieldErrors([]);
}

/** Each problem beside its field (the longest field path that the problem's path starts with). */
function showFieldErrors(problems) {
  for (const span of form.querySelectorAll("[data-error-for]")) span.textContent = "";
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
  const rest = [];
  const spans = [...form.querySelectorAll("[data-error-for]")].filter(shown);
  for (const p of problems) {
    let path = p.path;
    const channel = /^channels\.(\d+)/.exec(path);
    if (channel) path = channelFields[Number(channel[1])] ?? "channels";
    if (path === "channels") path = "channel-email";
    const span = spans
      .filter((s) => path === s.dataset.errorFor || path.startsWith(s.dataset.errorFor + "."))
      .sort((a, b) => b.dataset.errorFor.length - a.dataset.errorFor.length)[0];
    if (!span) { rest.push(p); continue; }
    span.textContent = span.textContent ? span.textContent + "; " + p.message : p.message;
    span.previousElementSibling?.classList.add("invalid");
  }
  const list = $("form-problems");
  list.replaceChildren();
  for (const p of rest) {
    const li = document.createElement("li");
    li.textContent = p.path + ": " + p.message;
    list.appendChild(li);
  }
}

function result(lines, isError) {
  const box = $("form-result");
  box.replaceChildren();
  box.className = isError ? "error" : "";
  for (const line of lines) {
    const p = document.createElement("p");
    p.textContent = line;
    box.appendChild(p);
  }
}

async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: json, body: JSON.stringify(body) });
  return { ok: res.ok, status: res.status, data: await res.json() };
}

/** Checks the form's rule with the API; shows the problems inline; true when it is valid. */
async function checkForm() {
  const rule = formRule();
  $("editor").value = JSON.stringify(rule, null, 2);
  const res = await post("api/rules/validate", rule);
  showFieldErrors(res.ok ? [] : res.data.error.problems ?? [{ path: "(rule)", message: res.data.error.message }]);
  return res.ok ? rule : null;
}

async function saveRule(rule, fromForm) {
  const id = current ?? rule.id;
  const shownBefore = shownChangeAt(id);
  const res = await fetch(current ? "api/rules/" + encodeURIComponent(id) : "api/rules", {
    method: current ? "PUT" : "POST",
    headers: json,
    body: JSON.stringify(rule),
  });
  const data = await res.json();
  const problems = res.ok ? [] : data.error.problems ?? [{ path: "(rule)", message: data.error.message }];
  if (fromForm) showFieldErrors(problems); else showProblems(problems);
  if (!res.ok) {
    if (fromForm) result(["Not saved: fix what is marked."], true); else say("Not saved.", true);
    return;
  }
  current = data.id;
  const text = "Saved " + data.id + ". It applies from the next evaluation.";
  say(text);
  result([text]);
  const rules = await loadRules();
  void loadAuditAfterChange(data.id, shownBefore);
  const saved = rules.find((r) => r.id === data.id);
  if (saved) edit(saved, { keepMessages: true });
}

$("f-kind").addEventListener("change", () => {
  // A new rule takes the new kind's starting numbers; an edited one keeps what it has where it can.
  const typed = formRule();
  const base = current ? typed : { ...templates[kind()], channels: typed.channels, scope: { ...templates[kind()].scope, ...typed.scope } };
  fillForm({ ...templates[kind()], ...base, kind: kind() });
  void checkForm();
});
form.addEventListener("input", () => { $("editor").value = JSON.stringify(formRule(), null, 2); });
form.addEventListener("change", () => void checkForm());
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const rule = await checkForm();
  if (!rule) return result(["Not saved: fix what is marked."], true);
  await saveRule(rule, true);
});
$("form-preview").addEventListener("click", async () => {
  result([WORKING]); // so an old answer never passes for this one
  const rule = await checkForm();
  if (!rule) return result(["Fix what is marked first."], true);
  const res = await post("api/rules/preview", rule);
  if (!res.ok) return result(["Could not evaluate: " + res.data.error.message], true);
  const { measured, firing } = res.data;
  result([
    firing.length
      ? "Would fire now for " + firing.length + " of " + measured + " checked (nothing was sent):"
      : "Would not fire now: " + measured + " checked, none past the line (nothing was sent).",
    ...firing.map((f) => f.summary),
  ]);
});
$("form-test").addEventListener("click", async () => {
  result([WORKING]); // so an old answer never passes for this one
  const rule = await checkForm();
  if (!rule) return result(["Fix what is marked first."], true);
  const res = await post("api/rules/test-notification", rule);
  if (!res.ok) return result([res.data.error.message], true);
  const failed = res.data.results.some((r) => !r.ok);
  result(res.data.results.map((r) => (r.ok ? "Sent a test to " + r.channel + "." : "Could not send to " + r.channel + ": " + r.error)), failed);
});

// ---- pickers -------------------------------------------------------------------------------------

async function loadChoices() {
  const res = await fetch("api/choices");
  if (!res.ok) return;
  const { shops, skus, unavailable } = await res.json();
  for (const select of form.querySelectorAll('[data-path="scope.shops"]')) {
    const chosen = readField(select);
    select.replaceChildren(...shops.map((s) => new Option(s.shop + " (" + s.platform + ")", s.shop)));
    writeField(select, chosen);
  }
  $("sku-choices").replaceChildren(...[...new Set(skus.map((s) => s.sku))].map((sku) => new Option(sku, sku)));
  $("zone-choices").replaceChildren(...Intl.supportedValuesOf("timeZone").map((z) => new Option(z, z)));
  $("choices-note").hidden = !unavailable.length;
  $("choices-note").textContent = unavailable.length
    ? "Some choices are missing until the processors have written them: " + unavailable.map((u) => u.what).join(", ") + "."
    : "";
}

// ---- incidents of the rule being edited ----------------------------------------------------------

async function loadIncidents(id) {
  const body = $("incidents").tBodies[0];
  body.replaceChildren();
  if (!id) { $("incidents-empty").hidden = false; return; }
  const res = await fetch("api/rules/" + encodeURIComponent(id) + "/incidents");
  const data = await res.json();
  for (const i of data.history ?? []) {
    const tr = document.createElement("tr");
    tr.dataset.subject = i.subject;
    timeCell(tr, i.ts);
    cell(tr, i.state, i.state === "firing" ? "sev-critical" : "muted");
    cell(tr, i.subject);
    cell(tr, i.summary);
    body.appendChild(tr);
  }
  $("incidents-empty").hidden = body.rows.length > 0;
}

// ---- the audit trail -------------------------------------------------------------------------------

/** What a change did, field by field: "threshold: 10 → 25". */
function changes(before, after) {
  const b = before ? JSON.parse(before) : {};
  const a = after ? JSON.parse(after) : {};
  const show = (v) => (v === undefined ? "—" : JSON.stringify(v));
  return [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => k + ": " + show(b[k]) + " → " + show(a[k]))
    .join("; ");
}

async function loadAudit() {
  const res = await fetch("api/audit");
  const body = $("audit").tBodies[0];
  body.replaceChildren();
  if (!res.ok) { $("audit-empty").textContent = "The audit trail cannot be read now: " + (await res.json()).error.message; return; }
  for (const c of (await res.json()).changes) {
    const tr = document.createElement("tr");
    tr.dataset.rule = c.rule_id;
    tr.dataset.ts = c.ts;
    timeCell(tr, c.ts);
    cell(tr, c.actor);
    cell(tr, c.rule_id);
    cell(tr, c.action);
    cell(tr, c.action === "changed" ? changes(c.before, c.after) : c.action === "created" ? "new rule" : "removed");
    body.appendChild(tr);
  }
  $("audit-empty").hidden = body.rows.length > 0;
}

/** When the newest change of a rule that the trail shows was made ("" if it shows none). */
function shownChangeAt(ruleId) {
  const row = [...$("audit").tBodies[0].rows].find((r) => r.dataset.rule === ruleId);
  return row ? row.dataset.ts : "";
}

/**
 * After a change: its record is readable once QuestDB has applied the write, which under load can
 * be a few seconds, so read the rule's trail until its newest entry is not the one shown before.
 */
async function loadAuditAfterChange(ruleId, shownBefore) {
  for (let tries = 0; tries < 30; tries++) {
    const res = await fetch("api/audit?rule=" + encodeURIComponent(ruleId));
    const newest = res.ok ? (await res.json()).changes[0] : undefined;
    if (newest && newest.ts !== shownBefore) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await loadAudit();
}

// ---- the rule list, and the JSON view --------------------------------------------------------------

function edit(rule, { keepMessages = false } = {}) {
  current = rule.id || null;
  const { status, ...plain } = rule;
  $("editor").value = JSON.stringify(plain, null, 2);
  $("editor-title").textContent = current ? "Edit rule " + current : "New rule";
  fillForm(plain);
  if (!keepMessages) { showProblems([]); say(""); result([]); }
  void loadIncidents(current);
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
    cell(tr, rule.channels.map((c) => (c.type === "email" ? "email " + c.to.join(", ") : "pagerduty " + c.routingKeyEnv)).join("; ") || "none (this page only)");
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
    timeCell(tr, i.firedAt);
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
  current = null;
  edit(templates[$("new-kind").value]);
  $("editor-title").textContent = "New rule";
});
$("validate").addEventListener("click", async () => {
  const rule = parseEditor();
  if (rule === undefined) return;
  const res = await post("api/rules/validate", rule);
  if (res.ok) { showProblems([]); say("Valid."); } else { showProblems(res.data.error.problems ?? [{ path: "(rule)", message: res.data.error.message }]); say("Not valid.", true); }
});
$("save").addEventListener("click", async () => {
  const rule = parseEditor();
  if (rule === undefined) return;
  if (rule.id && rule.id !== current) current = null;
  if (rule.id && !current && (await fetch("api/rules/" + encodeURIComponent(rule.id))).ok) current = rule.id;
  await saveRule(rule, false);
});
$("json-to-form").addEventListener("click", () => {
  const rule = parseEditor();
  if (rule !== undefined) fillForm(rule);
});
$("delete").addEventListener("click", async () => {
  if (!current) return say("Nothing to delete: this rule was never saved.", true);
  if (!confirm("Delete rule " + current + "?")) return;
  const shownBefore = shownChangeAt(current);
  const res = await fetch("api/rules/" + encodeURIComponent(current), { method: "DELETE" });
  if (res.ok) { const gone = current; say("Deleted " + current + "."); current = null; edit(templates[$("new-kind").value], { keepMessages: true }); await loadRules(); void loadAuditAfterChange(gone, shownBefore); }
  else say("Not deleted: " + (await res.json()).error.message, true);
});

await loadChoices().catch(() => say("Could not load the shops and SKUs for the pickers.", true));
const rules = await loadRules();
const wanted = new URLSearchParams(location.hash.slice(1)).get("rule");
const start = rules.find((r) => r.id === wanted) ?? rules[0];
if (start) edit(start); else edit(templates.reorder_point);
await loadFiring();
await loadAudit();
setInterval(() => { loadFiring().catch(() => say("Lost contact with the server.", true)); }, 3000);
`;
