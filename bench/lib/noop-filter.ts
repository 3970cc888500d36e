// Compiles bench/lib/noop-filter.as to a .wasm in a temporary folder, with AssemblyScript.
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import asc from "assemblyscript/asc";
import { repoRoot } from "../../support/paths.js";

export async function compileNoopFilter(): Promise<string> {
  // Outside the repository, so the TypeScript build never sees the AssemblyScript copy.
  const work = mkdtempSync(join(tmpdir(), "shadowdiff-bench-noop-"));
  copyFileSync(join(repoRoot(), "bench", "lib", "noop-filter.as"), join(work, "noop-filter.ts"));
  const stderr = asc.createMemoryStream();
  // baseDir keeps asc away from the repository's asconfig.json (the filter's entries and options).
  const { error } = await asc.main(
    ["noop-filter.ts", "--baseDir", work, "--outFile", "noop-filter.wasm", "--runtime", "stub", "--use", "abort=", "--exportStart", "_initialize", "-O3"],
    { stderr },
  );
  if (error) throw new Error(`shadowdiff bench: asc failed on noop-filter.as: ${error.message}\n${stderr.toString()}`);
  return join(work, "noop-filter.wasm");
}
