import { html } from "hono/html";
import { layout } from "../../connect/pages.ts";

/** The BigCommerce block of the connect page and the pages that explain a failed BigCommerce connect. */

/** The store-level API account scopes the token path asks for, as the control panel names them. */
export const TOKEN_SCOPES_UI = [
  "Orders: read-only",
  "Products: read-only",
  "Information & settings: read-only",
];

export function bigCommerceSection({ appInstall }: { appInstall: boolean }) {
  return html`<section id="bigcommerce">
    <h2>BigCommerce</h2>
    ${
      appInstall
        ? html`<p>
            Install the MetricsDash app from your BigCommerce control panel (<em>Apps</em>). BigCommerce asks
            you to approve read access, then brings you back here to watch your recent orders arrive.
          </p>`
        : ""
    }
    <p>${appInstall ? "Or connect" : "Connect"} with a store API account:</p>
    <ol>
      <li>
        In your control panel open <em>Settings → Store-level API accounts → Create API account</em>, token
        type <em>V2/V3 API token</em>.
      </li>
      <li>
        Set ${TOKEN_SCOPES_UI.map((s, i) => html`${i ? ", " : ""}<strong>${s}</strong>`)}; leave every other
        scope at <em>None</em>. MetricsDash never changes your store's data; it adds its own webhooks, which
        every API account may do.
      </li>
      <li>
        Save, then copy the store hash (from the API path <code>…/stores/<strong>hash</strong>/v3/</code>) and
        the access token below.
      </li>
    </ol>
    <form method="post" action="/bigcommerce/token">
      <label for="bc-store-hash">Store hash (or the whole API path)</label>
      <input id="bc-store-hash" name="store_hash" placeholder="abc123def" autocomplete="off" required />
      <label for="bc-token">Access token</label>
      <input id="bc-token" name="token" type="password" autocomplete="off" required />
      <button type="submit" id="bc-connect">Connect BigCommerce</button>
    </form>
    <p class="muted">The token is kept encrypted; delete the API account to disconnect.</p>
  </section>`;
}

export const BC_PROBLEMS = {
  no_app: {
    title: "BigCommerce app installs aren't set up here",
    text: "This MetricsDash has no BigCommerce app configured. Connect with a store API account instead.",
    status: 404,
  },
  bad_callback: {
    title: "That wasn't a complete BigCommerce install",
    text: "The request from BigCommerce was missing its code or store. Start the install again from your BigCommerce control panel.",
    status: 400,
  },
  install_refused: {
    title: "BigCommerce didn't confirm this install",
    text: "An install link works once, for a short time. Open MetricsDash again from the Apps menu of your BigCommerce control panel; nothing will be loaded twice.",
    status: 400,
  },
  unreachable: {
    title: "BigCommerce didn't answer",
    text: "We couldn't reach BigCommerce just now. Wait a minute and try again; nothing was changed.",
    status: 502,
  },
  missing_scopes: {
    title: "MetricsDash needs a little more access",
    text: "To show your sales and stock MetricsDash must read orders, products and store information. Missing:",
    status: 403,
  },
  invalid_request: {
    title: "We couldn't verify BigCommerce's request",
    text: "The request didn't carry a valid signature from BigCommerce, so we stopped. Open MetricsDash again from your BigCommerce control panel.",
    status: 401,
  },
  not_connected: {
    title: "This store isn't connected",
    text: "MetricsDash has no access to this store (it was uninstalled or never finished installing). Uninstall and install the app again, or connect with a store API account.",
    status: 404,
  },
  bad_hash: {
    title: "That isn't a BigCommerce store hash",
    text: "The store hash is the short code after /stores/ in your API account's API path (letters and digits, like abc123def). You can paste the whole API path.",
    status: 400,
  },
  unknown_store: {
    title: "BigCommerce has no store with that hash",
    text: "Check the store hash: it is the short code after /stores/ in your API account's API path.",
    status: 404,
  },
  token_refused: {
    title: "BigCommerce refused that token",
    text: "The access token and the store hash must come from the same store API account. Copy both again from the account you created (a deleted account's token stops working).",
    status: 400,
  },
  cross_site: {
    title: "Send this form from the MetricsDash page",
    text: "For your store's safety the token form only accepts what is typed on this MetricsDash page. Open the page and send it again.",
    status: 403,
  },
  setup_failed: {
    title: "Connected, but set-up didn't finish",
    text: "We have access to your store but couldn't finish setting it up with BigCommerce. Try again; nothing will be counted twice.",
    status: 502,
  },
} as const satisfies Record<string, { title: string; text: string; status: 400 | 401 | 403 | 404 | 502 }>;

export type BcProblem = keyof typeof BC_PROBLEMS;

/** A failed step, said plainly, with what is missing when there is a list (scopes). */
export function bcProblemPage(problem: BcProblem, details: string[] = []) {
  const p = BC_PROBLEMS[problem];
  return layout(
    p.title,
    html`<h1>${p.title}</h1>
      <div class="error" role="alert" id="error" data-problem="bc_${problem}">
        <p>${p.text}</p>
        ${
          details.length
            ? html`<ul id="details">
                ${details.map((d) => html`<li>${d}</li>`)}
              </ul>`
            : ""
        }
      </div>
      <p><a class="button" href="/#bigcommerce" id="again">Start again</a></p>`,
  );
}
