/**
 * The rule form's markup: one sentence per rule kind, in the words an operations manager uses, with
 * the rule's numbers as fields inside it. Every field names the rule path it fills (`data-path`), so
 * the page builds the rule from the form and puts the API's zod problems back beside the field they
 * are about (`data-error-for`). `data-kinds` says which kinds show a field.
 */

const err = (path: string) => `<span class="field-error" data-error-for="${path}"></span>`;

const shopPicker = `<label>in <select data-path="scope.shops" data-type="multi" multiple size="3" aria-label="shops (none chosen: any shop)"></select></label>
<span class="muted">(none chosen: any shop)</span>${err("scope.shops")}`;

const skuPicker = `<label>stock of <input data-path="scope.skus" data-type="list" list="sku-choices" placeholder="any SKU" aria-label="SKUs (empty: any SKU; * matches anything)"></label>${err("scope.skus")}`;

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
  .map((d, i) => `<label class="day"><input type="checkbox" value="${i + 1}">${d}</label>`)
  .join("");

export const RULE_FORM = `<form id="rule-form" novalidate>
<p>
  <label>What to watch
    <select id="f-kind" data-path="kind">
      <option value="reorder_point">Stock reaches its reorder point</option>
      <option value="low_stock">Stock falls below a number of units</option>
      <option value="stockout_eta">A SKU will sell out soon</option>
      <option value="no_orders">No orders for longer than usual</option>
      <option value="revenue_drop">Revenue below the same time last week</option>
      <option value="conversion_drop">Checkout conversion below last week</option>
      <option value="numbers_mismatch">Our numbers don't match the platform's</option>
      <option value="dispute_opened">A payment dispute is opened</option>
      <option value="payout_failed">A payout fails</option>
      <option value="payment_failures">Payments declined above a rate</option>
      <option value="unshipped_after">Orders wait too long to ship</option>
      <option value="late_deliveries">Parcels are late</option>
      <option value="exception_rate">Delivery exceptions rise</option>
    </select>
  </label>
</p>

<p class="sentence" data-kinds="reorder_point">When ${skuPicker} ${shopPicker} falls to its reorder point (enough for its lead time plus safety stock).</p>
<p class="sentence" data-kinds="low_stock">When ${skuPicker} ${shopPicker} falls below
  <input data-path="threshold" data-type="int" size="5" aria-label="units"> units.${err("threshold")}</p>
<p class="sentence" data-kinds="stockout_eta">When ${skuPicker.replace("stock of ", "")} ${shopPicker} will sell out within
  <input data-path="withinHours" data-type="number" size="5" placeholder="its lead time" aria-label="hours (empty: its lead time)"> hours
  <span class="muted">(empty: within its own lead time)</span>.${err("withinHours")}</p>
<p class="sentence" data-kinds="no_orders">When ${shopPicker} has had no order for
  <input data-path="minutes" data-type="int" size="5" aria-label="minutes"> minutes${err("minutes")}
  and, if set, <input data-path="usualGapFactor" data-type="number" size="3" placeholder="—" aria-label="times the usual gap"> times
  the shop's usual gap between orders at that hour over the last
  <input data-path="historyWeeks" data-type="int" size="2" aria-label="weeks of history"> weeks${err("usualGapFactor")}${err("historyWeeks")}
  while open: <span data-path="openingHours.days" data-type="days" role="group" aria-label="days open">${DAYS}</span>${err("openingHours.days")}
  from <input data-path="openingHours.from" size="5" aria-label="opening time" placeholder="00:00">${err("openingHours.from")}
  to <input data-path="openingHours.to" size="5" aria-label="closing time" placeholder="24:00">${err("openingHours.to")}
  in <input data-path="openingHours.timeZone" size="16" list="zone-choices" aria-label="time zone">${err("openingHours.timeZone")}.</p>
<p class="sentence" data-kinds="revenue_drop">When revenue so far today ${shopPicker} is
  <input data-path="dropPercent" data-type="number" size="4" aria-label="percent under last week">% or more under the same time last week${err("dropPercent")},
  and at least <input data-path="zScore" data-type="number" size="4" placeholder="—" aria-label="standard deviations"> standard deviations under the last
  <input data-path="weeks" data-type="int" size="3" aria-label="weeks"> weeks${err("zScore")}${err("weeks")}
  (its usual band; empty: the percentage alone), by the clock in
  <input data-path="timeZone" size="16" list="zone-choices" aria-label="time zone">${err("timeZone")}.
  Ignore days when last week had under <input data-path="minBaselineMinor" data-type="int" size="7" aria-label="minimum revenue last week (minor units)"> in minor units (cents).${err("minBaselineMinor")}</p>
<p class="sentence" data-kinds="conversion_drop">When orders per checkout so far today ${shopPicker} are
  <input data-path="dropPercent" data-type="number" size="4" aria-label="percent under last week">% or more under last week${err("dropPercent")},
  by the clock in <input data-path="timeZone" size="16" list="zone-choices" aria-label="time zone">${err("timeZone")},
  counting only spans with at least <input data-path="minCheckouts" data-type="int" size="4" aria-label="minimum checkouts"> checkouts.${err("minCheckouts")}</p>
<p class="sentence" data-kinds="numbers_mismatch">When ${shopPicker} still differs from its platform's own order count after a re-read, on at least
  <input data-path="minDays" data-type="int" size="3" aria-label="days"> store-local days.${err("minDays")}</p>
<p class="sentence" data-kinds="dispute_opened">When a Stripe or PayPal dispute opened in the last
  <input data-path="withinHours" data-type="number" size="5" aria-label="hours"> hours is still open.${err("withinHours")}</p>
<p class="sentence" data-kinds="payment_failures">When at least
  <input data-path="ratePercent" data-type="number" size="4" aria-label="percent declined">% of a Stripe or PayPal account's payment attempts in the last
  <input data-path="windowMinutes" data-type="int" size="4" aria-label="minutes"> minutes were declined${err("ratePercent")}${err("windowMinutes")},
  and at least <input data-path="minFailures" data-type="int" size="4" aria-label="minimum declines"> of them.${err("minFailures")}</p>
<p class="sentence" data-kinds="payout_failed">When a payout created in the last
  <input data-path="withinHours" data-type="number" size="5" aria-label="hours"> hours has failed.${err("withinHours")}</p>
<p class="sentence" data-kinds="unshipped_after">When ${shopPicker} has at least
  <input data-path="minOrders" data-type="int" size="3" aria-label="orders"> orders with no shipping label after
  <input data-path="hours" data-type="number" size="4" aria-label="hours"> hours.${err("minOrders")}${err("hours")}</p>
<p class="sentence" data-kinds="late_deliveries">When at least
  <input data-path="minParcels" data-type="int" size="3" aria-label="parcels"> parcels of one carrier, tracked in the last
  <input data-path="withinHours" data-type="number" size="5" aria-label="hours"> hours, are past their ETA and not delivered.${err("minParcels")}${err("withinHours")}</p>
<p class="sentence" data-kinds="exception_rate">When
  <input data-path="percent" data-type="number" size="4" aria-label="percent of parcels">% or more of one carrier's parcels tracked in the last
  <input data-path="withinHours" data-type="number" size="5" aria-label="hours"> hours are in a delivery exception, judged once it has
  <input data-path="minParcels" data-type="int" size="4" aria-label="minimum parcels"> parcels.${err("percent")}${err("withinHours")}${err("minParcels")}</p>

<fieldset>
  <legend>Tell</legend>
  <label>Email <input id="f-email" size="40" placeholder="ops@example.com, buyer@example.com" aria-label="email recipients"></label>${err("channel-email")}<br>
  <label>PagerDuty, with the routing key in the variable <input id="f-pagerduty" size="30" placeholder="PAGERDUTY_ROUTING_KEY" aria-label="PagerDuty routing key variable"></label>${err("channel-pagerduty")}
  <p class="muted">No channel: incidents still show on this page and on the dashboards.</p>
</fieldset>

<fieldset>
  <legend>Details</legend>
  <label>Name <input data-path="name" size="40" aria-label="name"></label>${err("name")}
  <label>Id <input id="f-id" data-path="id" size="24" aria-label="id"></label>${err("id")}<br>
  <label>Severity <select data-path="severity" aria-label="severity">
    <option value="critical">critical</option><option value="error">error</option>
    <option value="warning">warning</option><option value="info">info</option></select></label>
  <label><input type="checkbox" data-path="enabled" data-type="bool"> enabled</label><br>
  <label>After it resolves, stay quiet for <input data-path="cooldownMinutes" data-type="number" size="5" aria-label="cooldown minutes"> minutes</label>${err("cooldownMinutes")}
  <label>Resolve only once back past the line by <input data-path="hysteresis" data-type="number" size="4" aria-label="hysteresis">
    <span id="f-hysteresis-unit"></span></label>${err("hysteresis")}
</fieldset>

<ul id="form-problems" class="problems" aria-live="polite"></ul>
<p>
  <button id="form-preview" type="button">What would fire now</button>
  <button id="form-test" type="button">Send a test notification</button>
  <button id="form-save" type="submit">Save</button>
</p>
<div id="form-result" role="status"></div>
</form>`;
