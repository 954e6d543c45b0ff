import { RULE_FORM } from "./form.ts";
import { PAGE_SCRIPT } from "./script.ts";

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
  #rule-form { border: 1px solid #dde1e8; border-radius: 6px; padding: .5rem 1rem; }
  .sentence { line-height: 2.2; } .sentence select { vertical-align: middle; }
  .field-error { color: #b3261e; font-size: .9em; margin-left: .3rem; } .field-error:empty { display: none; }
  .invalid { outline: 2px solid #b3261e; } .day { margin-right: .3rem; white-space: nowrap; }
  .problems li { color: #b3261e; } fieldset { border: 1px solid #dde1e8; margin: .6rem 0; }
  details > summary { cursor: pointer; margin: 1rem 0 .5rem; } [hidden] { display: none !important; }
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
${RULE_FORM}
<datalist id="sku-choices"></datalist><datalist id="zone-choices"></datalist>
<p id="choices-note" class="muted" hidden></p>

<h3>Recent incidents of this rule</h3>
<table id="incidents"><thead><tr><th>When</th><th>State</th><th>Subject</th><th>What</th></tr></thead><tbody></tbody></table>
<p id="incidents-empty" class="muted">None yet.</p>

<h2>Changes to rules</h2>
<table id="audit"><thead><tr><th>When</th><th>Who</th><th>Rule</th><th>What</th><th>Before → after</th></tr></thead><tbody></tbody></table>
<p id="audit-empty" class="muted">No changes recorded yet.</p>

<details id="advanced">
<summary>Advanced: the rule as JSON</summary>
<label for="editor">Rule (JSON)</label>
<textarea id="editor" spellcheck="false"></textarea>
<p>
  <button id="validate" type="button">Validate</button>
  <button id="save" type="button">Save</button>
  <button id="json-to-form" type="button">Show in the form</button>
  <button id="delete" type="button">Delete</button>
</p>
<div id="status" role="status"></div>
<ul id="problems" aria-live="polite"></ul>
</details>

<script type="module">
${PAGE_SCRIPT}
</script>
</body>
</html>`;
}
