/** What the processors use of the reconciliation; the rest of this folder is its own. */
export { reconcileEnv, type ReconcileConfig } from "./config.ts";
export { startReconcileLoop } from "./loop.ts";
export { reconcileShop, checkDay, type ReconcileDeps } from "./reconcile.ts";
export { RECONCILIATION_TABLE } from "./schema.ts";
export type { Check, Outcome } from "./record.ts";
