#!/usr/bin/env node
// The `shadowdiff` command: one file per subcommand in commands/, each exporting
// `run(args) → exit code`. A subcommand is added by one line in the table below.

interface Command {
  summary: string;
  load: () => Promise<{ run(args: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  collector: { summary: "collector --config FILE          run the collector", load: () => import("./commands/collector.js") },
  report: { summary: "report --collector URL [--json]   per-route table from a running collector", load: () => import("./commands/report.js") },
  verdict: { summary: "verdict (--prometheus URL | --collector URL) [--json] [--emit-canary PERCENT]   may the shadow go to canary? (exit 0 pass, 1 fail, 2 not enough data)", load: () => import("./commands/verdict.js") },
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((command) => `  shadowdiff ${command.summary}`);
  return `usage:\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`shadowdiff: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`shadowdiff: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
