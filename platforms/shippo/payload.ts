import { z } from "zod";

/**
 * Shippo's shapes, as its API reference documents them (API version 2018-02-08). Only what the
 * canonical events use is declared: zod drops the rest, so `address_from` / `address_to`, a scan's
 * `location` and `created_by` (the Shippo user's name) never get past parsing.
 */

/** Shippo's times: ISO 8601, usually `2026-11-30T14:01:02Z`, sometimes with a fraction or offset. */
const time = z.iso.datetime({ offset: true });
const shortText = z.string().max(128);

export const ShippoWebhook = z.object({
  event: z.string().min(1).max(64),
  test: z.boolean().optional(),
  data: z.unknown(),
});

/** The rate a label was bought at; `rate` is only its id in some listings. */
const ShippoRate = z.object({
  amount: z.union([z.string().max(32), z.number()]),
  currency: z.string().regex(/^[A-Z]{3}$/),
  provider: shortText.nullable().optional(),
  servicelevel_token: shortText.nullable().optional(),
  servicelevel_name: shortText.nullable().optional(),
});

/** A transaction: a label bought (or being bought, failed, refunded). */
export const ShippoTransaction = z.object({
  object_id: z.string().min(1).max(64),
  object_created: time,
  object_updated: time.nullable().optional(),
  status: z.string().max(32),
  tracking_number: z.string().max(64).nullable().optional(),
  eta: time.nullable().optional().catch(null),
  metadata: z.string().max(256).nullable().optional(),
  rate: z
    .union([ShippoRate, z.string().max(64)])
    .nullable()
    .optional(),
  test: z.boolean().nullable().optional(),
});

const ShippoTrackingStatus = z.object({
  status: z.enum(["PRE_TRANSIT", "TRANSIT", "DELIVERED", "RETURNED", "FAILURE", "UNKNOWN"]),
  status_date: time.nullable().optional(),
  substatus: z.object({ code: shortText }).nullable().optional(),
});

/** A track: a parcel's status and its history, as `track_updated` and `GET /tracks/…` give it. */
export const ShippoTrack = z.object({
  carrier: z.string().max(64),
  tracking_number: z.string().min(1).max(64),
  eta: time.nullable().optional().catch(null),
  metadata: z.string().max(256).nullable().optional(),
  transaction: z.string().max(64).nullable().optional(),
  tracking_status: ShippoTrackingStatus.nullable(),
  tracking_history: z.array(ShippoTrackingStatus).max(1000).default([]),
});

/** A page of a listing: `next` is the next page's URL, null on the last. */
export const ShippoTransactionPage = z.object({
  next: z.string().max(2048).nullable().optional(),
  results: z.array(ShippoTransaction),
});

export type ShippoTransaction = z.infer<typeof ShippoTransaction>;
export type ShippoTrack = z.infer<typeof ShippoTrack>;
export type ShippoTransactionPage = z.infer<typeof ShippoTransactionPage>;
