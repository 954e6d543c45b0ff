/**
 * JSON as PHP's `json_encode` writes it with default flags, which is what WooCommerce's
 * `wp_json_encode` signs and sends: `/` escaped as `\/` and every non-ASCII character as a `\uXXXX`
 * escape (UTF-16 units, so emoji become surrogate pairs). A receiver that re-serialises with
 * JSON.stringify gets different bytes and a signature that no longer matches.
 */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, "\\/")
    .replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
