/**
 * How long a name from outside may be. Names become NATS subject tokens and KV keys, and
 * nats-server drops a client whose control line (subject, reply, sizes) passes 4 KB: one
 * 4,100-character name once took the whole connection of a service down with it. The platforms'
 * own limits are lower (Shopify and BigCommerce SKUs 255, a DNS name 253), so a real store never
 * meets these; they are checked where a name enters (ingest's webhooks, connect's pages).
 */
export const MAX_LENGTH = {
  /** A shop's name as the platform gives it (a domain, a store hash, a site's host and path). */
  shop: 255,
  sku: 255,
  /** Every platform id: orders, lines, products, variants, inventory items, locations, refunds. */
  id: 128,
  /** A platform's delivery or event id (the JetStream `Nats-Msg-Id`, after `<platform>:<shop>:`). */
  eventId: 256,
  /** A platform's name for itself in a path (`/stores/<platform>/...`). */
  platform: 32,
} as const;

/** The longest KV key or subject token derived from a name before it is hashed instead (core/events.ts boundedToken). */
export const MAX_TOKEN_LENGTH = 200;

/** The maximum for a field of a canonical event, by its name; undefined for fields that name nothing. */
function maxFor(field: string): number | undefined {
  if (field === "shop") return MAX_LENGTH.shop;
  if (field === "sku") return MAX_LENGTH.sku;
  if (field === "eventId") return MAX_LENGTH.eventId;
  if (field === "id" || field.endsWith("Id")) return MAX_LENGTH.id;
  return undefined;
}

/**
 * The path of the first name in `value` (a canonical event) longer than its maximum, such as
 * `order.lines.0.sku`; null when every name fits. A walk rather than the zod schema: ingest runs it
 * on every delivery and the names are all it needs to check (the processors validate the rest).
 */
export function overlongName(value: unknown, path = ""): string | null {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = overlongName(value[i], `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  for (const [field, item] of Object.entries(value)) {
    const at = path ? `${path}.${field}` : field;
    if (typeof item === "string") {
      const max = maxFor(field);
      if (max !== undefined && item.length > max) return at;
    } else if (item !== null && typeof item === "object") {
      const found = overlongName(item, at);
      if (found) return found;
    }
  }
  return null;
}
