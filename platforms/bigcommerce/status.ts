import type { SalesStatus } from "../../core/events.ts";

/**
 * BigCommerce's fixed order statuses (`GET /v2/order_statuses`, ids 0–14) and what each means for
 * revenue. Refunded orders stay sales: refunds are subtracted at refund time, so dropping the order
 * too would subtract twice. Declined leaves revenue like a cancellation; disputed stays until a refund.
 */
export const BC_STATUSES: Record<number, { label: string; sales: SalesStatus }> = {
  0: { label: "incomplete", sales: "pending" },
  1: { label: "pending", sales: "pending" },
  2: { label: "shipped", sales: "sale" },
  3: { label: "partially_shipped", sales: "sale" },
  4: { label: "refunded", sales: "sale" },
  5: { label: "cancelled", sales: "cancelled" },
  6: { label: "declined", sales: "cancelled" },
  7: { label: "awaiting_payment", sales: "pending" },
  8: { label: "awaiting_pickup", sales: "sale" },
  9: { label: "awaiting_shipment", sales: "sale" },
  10: { label: "completed", sales: "sale" },
  11: { label: "awaiting_fulfillment", sales: "sale" },
  12: { label: "manual_verification_required", sales: "pending" },
  13: { label: "disputed", sales: "sale" },
  14: { label: "partially_refunded", sales: "sale" },
};

export function bcStatus(statusId: number): { label: string; sales: SalesStatus } {
  return BC_STATUSES[statusId] ?? { label: `status_${statusId}`, sales: "pending" };
}
