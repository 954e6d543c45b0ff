/** Shopify's name in subjects and tables; its own module so the API and the adapter share it without a cycle. */
export const PLATFORM = "shopify";

/** The Admin API version we subscribe with; Shopify supports each for a year and falls forward after. */
export const SHOPIFY_API_VERSION = "2026-10";
