import type { PlatformModule } from "./adapter.ts";
import { bigcommerce } from "./bigcommerce/index.ts";
import { paypal } from "./paypal/index.ts";
import { shippo } from "./shippo/index.ts";
import { shipstation } from "./shipstation/index.ts";
import { shopify } from "./shopify/index.ts";
import { stripe } from "./stripe/index.ts";
import { woocommerce } from "./woocommerce/index.ts";

/** Every platform MetricsDash speaks. A new platform is a folder beside `shopify/` and one line here. */
export const platforms: PlatformModule[] = [
  shopify,
  woocommerce,
  bigcommerce,
  stripe,
  paypal,
  shipstation,
  shippo,
];
