import { z } from "zod";

/**
 * ShipStation V1 shapes, as its API reference documents them. Only what the canonical events use is
 * declared: zod drops the rest, so `shipTo` (the recipient's name, address and phone) never gets past parsing.
 */

/** The whole body of a V1 webhook: a pointer to what changed, fetched with our API key. */
export const SsWebhook = z.object({
  resource_url: z.url().max(200),
  resource_type: z.string().min(1).max(64),
});

/** V1 times are Pacific wall-clock times without an offset: `2026-11-30T14:01:02.0000000`. */
const pacificTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/, "a V1 date-time");

export const SsShipment = z.object({
  shipmentId: z.number().int().positive(),
  orderNumber: z.string().max(128).nullable().optional(),
  createDate: pacificTime,
  /** A date only (`2026-11-30`), in Pacific time. */
  shipDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}/)
    .nullable()
    .optional(),
  shipmentCost: z.number().min(0).nullable().optional(),
  trackingNumber: z.string().max(64).nullable().optional(),
  isReturnLabel: z.boolean().nullable().optional(),
  carrierCode: z.string().max(64).nullable().optional(),
  serviceCode: z.string().max(64).nullable().optional(),
  voided: z.boolean().nullable().optional(),
  voidDate: pacificTime.nullable().optional(),
});

export const SsShipmentPage = z.object({
  shipments: z.array(SsShipment),
  total: z.number().int().min(0),
  page: z.number().int().min(1),
  pages: z.number().int().min(0),
});

export type SsShipment = z.infer<typeof SsShipment>;
export type SsShipmentPage = z.infer<typeof SsShipmentPage>;
