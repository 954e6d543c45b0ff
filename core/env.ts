import { z } from "zod";

/**
 * Every service reads its settings from the environment through a zod schema, so a typo or a
 * missing secret stops the process at start-up with the variable's name, not at the first request.
 */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`),
  );
}

/**
 * An optional variable for which an empty value means "not set": compose and `.env` files write
 * `NAME=` for what the user left out, and that must switch a feature off, not fail its check.
 */
export const unsetIfEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
