import { loadConfig } from "../core/config.ts";
import { SiteId } from "../core/interaction.ts";
import { behaviourEnv } from "./behaviour/config.ts";
import { heatmapToken } from "./behaviour/token.ts";

/**
 * Prints an overlay link for a store page: `node ingest/heatmap-link.ts <site id> <page URL> [hours]`.
 * The link carries a token signed with HEATMAP_TOKEN_KEY that reads that site's heatmaps until it
 * expires (default 12 hours). Opening it shows the page with the heatmap drawn over it.
 */
const [site, page, hours = "12"] = process.argv.slice(2);
const config = loadConfig(behaviourEnv);
if (!config.HEATMAP_TOKEN_KEY) throw new Error("HEATMAP_TOKEN_KEY is not set: the overlay is off");
const id = SiteId.parse(site);
if (!config.BEHAVIOUR_SITES[id]) throw new Error(`site ${id} is not in BEHAVIOUR_SITES`);
const url = new URL(page ?? "");
const ttl = Math.round(Number(hours) * 3600);
if (!(ttl > 0 && ttl <= 7 * 24 * 3600)) throw new Error("hours must be between 0 and 168");
url.searchParams.set("md_heatmap", heatmapToken(config.HEATMAP_TOKEN_KEY, id, ttl));
console.log(url.toString());
