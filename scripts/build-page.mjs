// Bundles the collector's page (viewer/) into dist/page: one script and one stylesheet, named by
// their content hash so the collector can let browsers keep them, and index.html naming them.
// Everything the page needs is in these files: it loads nothing from anywhere else.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "page");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: "viewer/src/main.tsx" },
  outdir: out,
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: ["chrome111", "firefox113", "safari16.4"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const named = (extension) => {
  const found = outputs.filter((name) => name.startsWith("app-") && name.endsWith(extension));
  if (found.length !== 1) throw new Error(`build-page: expected one app-*${extension}, found ${found.join(", ") || "none"}`);
  return found[0];
};
const html = readFileSync(join(root, "viewer", "index.html"), "utf8").replace("{{script}}", named(".js")).replace("{{style}}", named(".css"));
writeFileSync(join(out, "index.html"), html);
copyFileSync(join(root, "viewer", "favicon.svg"), join(out, "favicon.svg"));

// The bundle holds these libraries' code, so it ships their licences beside it.
const bundled = Object.keys(result.metafile.inputs)
  .map((input) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1])
  .filter((name) => name !== undefined);
const licences = [...new Set(bundled)].sort().map((name) => {
  const { version, license } = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8"));
  const text = readFileSync(join(root, "node_modules", name, "LICENSE"), "utf8").trim();
  return `${name} ${version} (${license})\n\n${text}\n`;
});
writeFileSync(join(out, "licences.txt"), `The page bundles these libraries:\n\n${licences.join("\n")}`);
