// Runs Debian's promtool (installed by `make prometheus`) and hands back what it said.
import { spawn } from "node:child_process";

export const PROMTOOL = process.env.PROMTOOL ?? "promtool";

export interface ToolResult {
  code: number | null;
  output: string;
}

export function promtool(args: string[], cwd?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}
