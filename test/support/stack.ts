import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Stack } from "../../services/stack.ts";

export const TEST_SECRETS = {
  SHOPIFY_API_SECRET: "test-shopify-secret-0123456789",
  CUSTOMER_HASH_KEY: "test-customer-hash-key-0123456789abcdef",
};

/** The whole pipeline on free ports in a temporary directory, as whole-pipeline tests need it. */
export async function startTestStack(
  env: Record<string, string> = {},
  { alerting = false }: { alerting?: boolean } = {},
): Promise<Stack & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-test-"));
  const stack = await startStack({
    dir,
    alerting,
    env: { ...TEST_SECRETS, LOG_LEVEL: "info", BATCH_MAX_WAIT_MS: "50", ...env },
  });
  return Object.assign(stack, { dir });
}
