/**
 * Shopify's inventory-related webhook bodies as the platform sends them (REST shapes, ids as bare
 * numbers), for tests. Serialise with `shopifyJson` from test/support/shopify-webhooks.ts when ids
 * exceed 2^53; the small ids used here are plain numbers.
 */

export interface VariantSpec {
  variantId: number;
  inventoryItemId: number;
  sku: string | null;
}

/** products/update: the product with its variants; Shopify sends far more fields, we read these. */
export function productPayload(spec: {
  id: number;
  updatedAt: string;
  title?: string;
  variants: VariantSpec[];
}) {
  return {
    id: spec.id,
    title: spec.title ?? `Product ${spec.id}`,
    body_html: "<p>Soft cotton</p>",
    vendor: "MetricsDash Test",
    product_type: "Shirts",
    created_at: spec.updatedAt,
    updated_at: spec.updatedAt,
    status: "active",
    admin_graphql_api_id: `gid://shopify/Product/${spec.id}`,
    variants: spec.variants.map((v, i) => ({
      id: v.variantId,
      product_id: spec.id,
      title: `Variant ${i + 1}`,
      price: "19.99",
      sku: v.sku,
      position: i + 1,
      inventory_policy: "deny",
      inventory_management: "shopify",
      inventory_item_id: v.inventoryItemId,
      inventory_quantity: 0,
      admin_graphql_api_id: `gid://shopify/ProductVariant/${v.variantId}`,
    })),
  };
}

/** inventory_levels/update: carries the inventory item and location, never the SKU. */
export function inventoryLevelPayload(spec: {
  inventoryItemId: number;
  locationId: number;
  available: number | null;
  updatedAt: string;
}) {
  return {
    inventory_item_id: spec.inventoryItemId,
    location_id: spec.locationId,
    available: spec.available,
    updated_at: spec.updatedAt,
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${spec.locationId}?inventory_item_id=${spec.inventoryItemId}`,
  };
}
