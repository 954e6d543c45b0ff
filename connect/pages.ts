import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** Server-rendered pages of the connect flow: plain HTML, one small script for live progress. */

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem} h2{font-size:1.2rem;margin-top:2rem} section{border-top:1px solid #d1d9e0} input{font:inherit;padding:.5rem;width:100%;box-sizing:border-box}
button,.button{font:inherit;padding:.5rem 1.2rem;margin-top:.8rem;background:#1a7f37;color:#fff;border:0;border-radius:6px;text-decoration:none;display:inline-block}
.error{background:#ffebe9;border:1px solid #ff8182;padding:.8rem;border-radius:6px}
progress{width:100%;height:1.4rem} .muted{color:#59636e;font-size:.9rem}`;

export function layout(title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · MetricsDash</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html>`;
}

/** `/`: one block per platform a store can connect from, each the section its flow renders. */
export function connectPage({
  sections = [],
}: {
  sections?: (HtmlEscapedString | Promise<HtmlEscapedString>)[];
} = {}) {
  return layout(
    "Connect your store",
    html`<h1>Connect your store</h1>
      ${sections}
      <p class="muted">
        MetricsDash asks only to read orders, products and inventory (and to add its own webhooks). It stores
        no customer names, emails or addresses; store keys are kept encrypted.
      </p>`,
  );
}

/** What can go wrong connecting a WooCommerce store, from the browser's side (platforms/woocommerce/connect.ts). */
export type WooProblem =
  | "woo_bad_site"
  | "woo_not_woocommerce"
  | "woo_unreachable"
  | "woo_needs_https"
  | "woo_denied"
  | "woo_expired"
  | "woo_invalid"
  | "woo_not_received";

/** A problem page's words and status; a flow of its own declares its problems in this shape. */
export interface Problem {
  title: string;
  text: string;
  status: 400 | 403 | 429 | 502;
}

export const PROBLEMS: Record<"not_yours" | "too_many_stores" | WooProblem, Problem> = {
  too_many_stores: {
    title: "Too many stores from here today",
    text: "This address has started connecting as many stores as it may today. Try again tomorrow, or ask whoever runs this MetricsDash to connect the store for you.",
    status: 429,
  },
  not_yours: {
    title: "Open this from the browser that connected the store",
    text: "A store's progress is only shown in the browser that connected it. Connect again from this browser to see it; nothing will be loaded twice.",
    status: 403,
  },
  woo_bad_site: {
    title: "That isn't a store address",
    text: "Enter your WooCommerce store's web address, the one your customers visit, like https://shop.example.",
    status: 400,
  },
  woo_not_woocommerce: {
    title: "We couldn't find WooCommerce at that address",
    text: "The site answered, but its WordPress REST API doesn't list WooCommerce. Check the address, that WooCommerce is active, and that Settings → Permalinks isn't set to “Plain” (WooCommerce's approval page needs pretty permalinks).",
    status: 400,
  },
  woo_unreachable: {
    title: "We couldn't reach that site",
    text: "The address didn't answer like a WordPress site. Check it, wait a minute if the site is down, and start again.",
    status: 502,
  },
  woo_needs_https: {
    title: "This MetricsDash can't receive WooCommerce keys yet",
    text: "WooCommerce sends a store's keys only to an https address, and this MetricsDash isn't set up with one. Ask whoever runs it to set CONNECT_PUBLIC_URL to its https address.",
    status: 502,
  },
  woo_denied: {
    title: "Nothing was connected",
    text: "You didn't approve MetricsDash in WooCommerce, so it has no keys to your store. If that was a mistake, start again and choose “Approve”.",
    status: 403,
  },
  woo_expired: {
    title: "This connect link expired",
    text: "For your store's safety a connect link works for ten minutes, in the browser that started it. Start again from this browser.",
    status: 400,
  },
  woo_invalid: {
    title: "We couldn't verify WooCommerce's answer",
    text: "The way back from your store didn't carry a link we made, so we stopped to keep your store safe. Start again from this page.",
    status: 400,
  },
  woo_not_received: {
    title: "WooCommerce didn't hand over the keys",
    text: "Your approval came back, but the keys never reached us, so nothing was connected. Start again; nothing will be counted twice.",
    status: 502,
  },
};

export function problemPage(problem: keyof typeof PROBLEMS, shop?: string) {
  return explainedProblem(problem, PROBLEMS[problem], shop);
}

/** The page that explains `p` (named `problem` for tests and scripts), with the way to start again. */
export function explainedProblem(problem: string, p: Problem, shop?: string) {
  return layout(
    p.title,
    html`<h1>${p.title}</h1>
      <p class="error" role="alert" id="error" data-problem="${problem}">${p.text}</p>
      <p>
        <a class="button" href="/${shop ? `?shop=${encodeURIComponent(shop)}` : ""}" id="again"
          >Start again</a
        >
      </p>`,
  );
}

export function notFoundPage(shop: string) {
  return layout(
    "Store not connected",
    html`<h1>${shop} isn't connected</h1>
      <p><a class="button" href="/?shop=${encodeURIComponent(shop)}">Connect it</a></p>`,
  );
}

/** Live progress: the page polls its JSON twin and fills the bar; the dashboard link appears at 100 %. */
export function statusPage(shop: string, progressUrl: string) {
  return layout(
    `Connecting ${shop}`,
    html`<h1>Connecting ${shop}</h1>
      <p id="summary">Starting…</p>
      <progress id="bar" max="100" value="0"></progress>
      <p><strong id="percent">0%</strong> <span class="muted" id="detail"></span></p>
      <p id="visible" class="muted"></p>
      <p id="problem" class="error" hidden></p>
      <p id="done" hidden><a class="button" id="dashboard-link" href="#">Open your dashboard</a></p>
      <section id="behaviour" hidden>
        <h2>See how visitors use your store</h2>
        <p>Paste this tag into your storefront theme's <code>&lt;head&gt;</code>:</p>
        <pre><code id="script-tag"></code></pre>
      </section>
      <script>
        const url = ${raw(JSON.stringify(progressUrl))};
        const fmt = (n) => (n == null ? "?" : Number(n).toLocaleString("en"));
        async function tick() {
          try {
            const response = await fetch(url, { cache: "no-store" });
            const s = await response.json();
            if (!response.ok) {
              // Refused (not this browser's store, not connected): say why; asking again won't change it.
              const problem = document.getElementById("problem");
              problem.textContent = s.error.message;
              problem.hidden = false;
              if (response.status < 500) return;
              throw new Error(s.error.code);
            }
            document.getElementById("bar").value = s.percent;
            document.getElementById("percent").textContent = s.percent + "%";
            document.getElementById("summary").textContent = s.summary;
            document.getElementById("detail").textContent = s.detail;
            document.getElementById("visible").textContent =
              s.visibleOrders == null ? "" : fmt(s.visibleOrders) + " orders already in your dashboard";
            const problem = document.getElementById("problem");
            problem.hidden = !s.error;
            problem.textContent = s.error || "";
            if (s.script) {
              document.getElementById("script-tag").textContent = s.script;
              document.getElementById("behaviour").hidden = false;
            }
            if (s.dashboardUrl) {
              const link = document.getElementById("dashboard-link");
              link.href = s.dashboardUrl;
              document.getElementById("done").hidden = false;
            }
            if (s.phase === "done" || s.phase === "stopped") return;
          } catch (e) {
            document.getElementById("detail").textContent = "reconnecting…";
          }
          setTimeout(tick, 500);
        }
        tick();
      </script>`,
  );
}
