import { html } from "hono/html";
import { explainedProblem, type Problem } from "../../connect/pages.ts";
import type { InstallProblem } from "./oauth.ts";

/** The Shopify block of the connect page and the pages that explain an install that did not complete. */

export const SHOPIFY_PROBLEMS: Record<InstallProblem | "setup_failed", Problem> = {
  bad_domain: {
    title: "That isn't a Shopify store address",
    text: "Enter the address you use to reach your Shopify admin, like your-store.myshopify.com.",
    status: 400,
  },
  denied: {
    title: "Nothing was connected",
    text: "You didn't approve MetricsDash on Shopify, so it has no access to your store. If that was a mistake, start again and choose “Install”.",
    status: 403,
  },
  expired: {
    title: "This connect link expired",
    text: "For your store's safety a connect link works for one minute, in the browser that started it. Start again — it only takes a moment.",
    status: 400,
  },
  invalid: {
    title: "We couldn't verify Shopify's answer",
    text: "The reply from Shopify didn't carry a valid signature, so we stopped to keep your store safe. Start again from this page.",
    status: 400,
  },
  exchange_failed: {
    title: "Shopify didn't grant access this time",
    text: "Your approval went through but Shopify didn't hand over access. Wait a minute and start again.",
    status: 502,
  },
  setup_failed: {
    title: "Connected, but set-up didn't finish",
    text: "We couldn't finish setting up your store with Shopify. Start again; nothing will be counted twice.",
    status: 502,
  },
};
export type ShopifyProblem = keyof typeof SHOPIFY_PROBLEMS;

export const shopifyProblemPage = (problem: ShopifyProblem, shop?: string) =>
  explainedProblem(problem, SHOPIFY_PROBLEMS[problem], shop);

/** The form that starts the OAuth install; `error` when the typed address was not a Shopify store's. */
export function shopifySection({ shop = "", error }: { shop?: string; error?: string }) {
  return html`<section id="shopify">
    <h2>Shopify</h2>
    <p>
      Type your store's address. You'll approve MetricsDash on Shopify, then see your recent orders arrive.
    </p>
    ${error ? html`<p class="error" role="alert" id="error">${error}</p>` : ""}
    <form method="get" action="/connect">
      <label for="shop">Store address</label>
      <input
        id="shop"
        name="shop"
        value="${shop}"
        placeholder="your-store.myshopify.com"
        autocomplete="off"
        required
      />
      <button type="submit" id="connect">Connect</button>
    </form>
  </section>`;
}
