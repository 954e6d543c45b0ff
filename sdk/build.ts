import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * Builds the browser SDK into one file without a bundler: each module is transpiled on its own
 * (TypeScript's `transpileModule`), its `import` lines and `export` keywords removed, and the
 * modules concatenated in dependency order inside one function scope. That works because the SDK's
 * modules import only each other and no two declare the same top-level name (checked below).
 *
 * `node sdk/build.ts` writes sdk/dist/sdk.js, which is committed: ingest serves it as it is, so
 * production needs no TypeScript. sdk/sdk.test.ts fails when the committed file is stale.
 */

/** Dependencies before dependants. */
const MODULES = [
  "path.ts",
  "names.ts",
  "selector.ts",
  "capture.ts",
  "transport.ts",
  "navigation.ts",
  "overlay.ts",
  "main.ts",
];

export const SDK_FILE = fileURLToPath(new URL("dist/sdk.js", import.meta.url));

function transpile(file: string): string {
  const source = readFileSync(new URL(`browser/${file}`, import.meta.url), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.ESNext,
      removeComments: true,
      verbatimModuleSyntax: false,
    },
    fileName: file,
  });
  return outputText
    .split("\n")
    .filter((line) => !/^\s*import\s/.test(line) && !/^export \{\s*\};?$/.test(line))
    .map((line) => line.replace(/^export /, ""))
    .join("\n");
}

/** Indentation and blank lines go; gzip would shrink them anyway, but the file is also read by eye. */
function compact(code: string): string {
  return code
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join("\n");
}

function topLevelNames(code: string): string[] {
  return [...code.matchAll(/^(?:async )?(?:function|const|let|class) (\w+)/gm)].map((m) => m[1]!);
}

export function buildSdk(): string {
  const parts = MODULES.map(transpile);
  const names = parts.flatMap(topLevelNames);
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (twice.length) throw new Error(`sdk modules declare the same name twice: ${twice.join(", ")}`);
  return `/* MetricsDash browser SDK — built by sdk/build.ts from sdk/browser/*.ts */\n(()=>{"use strict";\n${compact(parts.join("\n"))}\n})();\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = buildSdk();
  writeFileSync(SDK_FILE, code);
  console.log(`wrote ${SDK_FILE}: ${code.length} bytes`);
}
