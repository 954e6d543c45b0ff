/**
 * The demo storefront's pages: a home page, three product pages and a cart, with the browser SDK
 * on each, as a store owner would paste it. Every element a visitor presses carries `data-md-id`,
 * so the SDK names it `[data-md-id="…"]` and the simulated visitors (storefront-visits.ts) can name
 * it the same way. The "Size guide" button is broken on purpose: it does nothing when pressed,
 * which is what rage and dead clicks look like.
 */

export const STOREFRONT_SITE = "demo-storefront";

export interface StorefrontProduct {
  handle: string;
  title: string;
  price: string;
}

export const STOREFRONT_PRODUCTS: readonly StorefrontProduct[] = [
  { handle: "ceramic-mug", title: "Ceramic Mug", price: "$16.00" },
  { handle: "organic-cotton-tee", title: "Organic Cotton Tee", price: "$24.00" },
  { handle: "merino-beanie", title: "Merino Beanie", price: "$32.00" },
];

/** The selector the SDK records for an element with `data-md-id` (sdk/browser/selector.ts). */
export const selectorOf = (id: string) => `[data-md-id="${id}"]`;

const STYLE = `body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#222;background:#fafaf7}
header,footer{display:flex;gap:24px;padding:16px 32px;background:#1f3a34;color:#fff}
header a,footer a{color:#fff;text-decoration:none}
main{max-width:1040px;margin:0 auto;padding:32px}
.product{display:grid;grid-template-columns:1fr 1fr;gap:40px}
.gallery{height:480px;background:linear-gradient(135deg,#d8cbb3,#9c8b6e);border-radius:8px;border:0;width:100%}
button{font:inherit;padding:14px 20px;border-radius:6px;border:1px solid #1f3a34;background:#fff;cursor:pointer}
.primary{background:#1f3a34;color:#fff;width:100%;margin:16px 0}
.copy p{max-width:70ch}.review{border-top:1px solid #ddd;padding:16px 0}
@media (max-width:700px){.product{grid-template-columns:1fr}.gallery{height:320px}}`;

function layout(title: string, sdk: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · MetricsDash demo store</title><style>${STYLE}</style>
<script src="${sdk}" data-site="${STOREFRONT_SITE}" data-storage="on" async></script>
</head><body>
<header><a href="/" data-md-id="nav-home"><b>Demo Goods</b></a><a href="/products/ceramic-mug" data-md-id="nav-shop">Shop</a>
<a href="/cart" data-md-id="nav-cart">Cart</a></header>
<main>${body}</main>
<footer><span>A demo store for MetricsDash: visitors here are simulated, and so are you.</span></footer>
</body></html>`;
}

const filler = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `<p>Made in small batches by people who care about the details (${i + 1} of ${n}). Every piece is checked by hand before it ships, and it arrives in recycled packaging.</p>`,
  ).join("");

function productPage(product: StorefrontProduct): string {
  const reviews = Array.from(
    { length: 10 },
    (_, i) =>
      `<div class="review"><b>★★★★${i % 2 ? "★" : "☆"}</b> Review ${i + 1}: lovely, as described.</div>`,
  ).join("");
  return `<div class="product">
<button class="gallery" data-md-id="gallery-image" aria-label="Enlarge the picture"></button>
<div><h1>${product.title}</h1><p><b>${product.price}</b></p>
<button class="primary" data-md-id="add-to-cart" onclick="this.textContent='Added ✓'">Add to cart</button>
<button data-md-id="size-guide">Size guide</button>
<div class="copy">${filler(5)}</div></div></div>
<section><h2>Reviews</h2>${reviews}<button data-md-id="reviews-more" onclick="this.remove()">More reviews</button></section>
<section class="copy"><h2>Care</h2>${filler(14)}</section>`;
}

const CART = `<h1>Your cart</h1>
<div class="review">Ceramic Mug × 1 — $16.00 <button data-md-id="remove-item" onclick="this.parentNode.remove()">Remove</button></div>
<button class="primary" data-md-id="checkout">Check out</button>
<a href="/" data-md-id="continue-shopping">Continue shopping</a>
<p>The demo's checkouts and orders come from its Shopify shop's webhooks: Shopify's checkout is hosted by Shopify, where no store script runs.</p>`;

const HOME = `<h1>Demo Goods</h1><p>Everyday things, made well.</p>
${STOREFRONT_PRODUCTS.map((p) => `<p><a href="/products/${p.handle}">${p.title}</a> ${p.price}</p>`).join("")}
<div class="copy">${filler(12)}</div>`;

/** The page at `path`, or undefined (404); `sdk` is the script's URL as the browser should load it. */
export function storefrontPage(path: string, sdk: string): string | undefined {
  if (path === "/") return layout("Home", sdk, HOME);
  if (path === "/cart") return layout("Cart", sdk, CART);
  const product = STOREFRONT_PRODUCTS.find((p) => path === `/products/${p.handle}`);
  return product ? layout(product.title, sdk, productPage(product)) : undefined;
}
