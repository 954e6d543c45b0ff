import { ConfigError, loadConfig } from "../core/env.ts";
import type { ConnectShared, PlatformModule } from "../platforms/adapter.ts";
import { flowWanted } from "../platforms/connect-switch.ts";
import { platforms } from "../platforms/index.ts";
import type { ConnectFlow } from "./flow.ts";

/**
 * The connect flows of every source that declares one and is switched on (platforms/connect-switch.ts),
 * each built from its own variables; every flow's problems are reported together, each naming its
 * variable, before anything listens.
 */
export async function connectFlows(
  env: Readonly<Record<string, string | undefined>>,
  shared: ConnectShared,
  modules: readonly PlatformModule[] = platforms,
): Promise<ConnectFlow[]> {
  const problems: string[] = [];
  const flows: ConnectFlow[] = [];
  for (const module of modules) {
    const { connect } = module;
    if (!connect || !flowWanted(module, env)) continue;
    let config: unknown;
    try {
      config = loadConfig(connect.env, { ...env });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      continue;
    }
    flows.push(await connect.flow(config, shared));
  }
  if (problems.length) throw new ConfigError(problems);
  return flows;
}
