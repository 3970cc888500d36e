// Which imports Envoy would link for a proxy-wasm 0.2.1 module: the ABI's env.proxy_* functions and
// the WASI functions proxy-wasm-cpp-host registers, each with the exact signature.
import { PROXY_WASM_0_2_1_IMPORTS, WASI_IMPORTS, WASI_MODULES, type ImportSignature } from "./envoy-imports.js";
import { describeSignature, type ModuleImport } from "./wasm-binary.js";

function expectedSignature(entry: ModuleImport): ImportSignature | undefined {
  if (entry.module === "env") return PROXY_WASM_0_2_1_IMPORTS[entry.name];
  if ((WASI_MODULES as readonly string[]).includes(entry.module)) return WASI_IMPORTS[entry.name];
  return undefined;
}

/** One sentence per import Envoy would refuse; empty when every import links. */
export function importProblems(imports: readonly ModuleImport[]): string[] {
  const problems: string[] = [];
  for (const entry of imports) {
    const label = `${entry.module}.${entry.name}`;
    if (entry.kind !== "function") {
      problems.push(`import ${label} is a ${entry.kind}; Envoy provides only functions`);
      continue;
    }
    const expected = expectedSignature(entry);
    if (!expected) {
      problems.push(`import ${label} is neither a proxy-wasm 0.2.1 function nor a WASI function Envoy provides`);
      continue;
    }
    if (expected.params !== entry.params || expected.results !== entry.results) {
      problems.push(
        `import ${label} has signature ${describeSignature(entry.params, entry.results)}; ` +
          `Envoy's is ${describeSignature(expected.params, expected.results)}`,
      );
    }
  }
  return problems;
}
