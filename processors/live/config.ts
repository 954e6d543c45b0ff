import { z } from "zod";
import { unsetIfEmpty } from "../../core/env.ts";

/**
 * Grafana Live push: off unless both the Grafana URL and a service-account token are set. The
 * token is a secret (never logged). The channels are fixed (core/live-channel.ts): the provisioned
 * dashboards subscribe to them.
 */
export const liveEnv = z
  .object({
    /** Where Grafana answers, e.g. `http://127.0.0.1:3000` (the one `start` runs). */
    GRAFANA_URL: unsetIfEmpty(z.url({ protocol: /^https?$/ }).max(2048)),
    /** A service account's token (`glsa_…`); give the account the Admin role (Grafana checks the org role). */
    GRAFANA_SERVICE_ACCOUNT_TOKEN: unsetIfEmpty(z.string().min(16).max(4096)),
    /** At most one push per this many milliseconds (a wall moves in about a second). */
    GRAFANA_LIVE_INTERVAL_MS: z.coerce.number().int().min(200).max(60_000).default(1000),
  })
  .refine((env) => !env.GRAFANA_URL === !env.GRAFANA_SERVICE_ACCOUNT_TOKEN, {
    message: "GRAFANA_URL and GRAFANA_SERVICE_ACCOUNT_TOKEN go together (both set turns the live push on)",
    path: ["GRAFANA_SERVICE_ACCOUNT_TOKEN"],
  });

export type LiveConfig = z.infer<typeof liveEnv>;
