#!/usr/bin/env node
// The `shadowdiff` command: one file per subcommand in commands/, each exporting
// `run(args) → exit code` and its `USAGE`. A subcommand is added by one line in the table below.

interface Command {
  summary: string;
  load: () => Promise<{ run(args: string[]): Promise<number>; USAGE: string }>;
}

const COMMANDS: Record<string, Command> = {
  collector: { summary: "collector --config FILE          run the collector", load: () => import("./commands/collector.js") },
  report: { summary: "report --collector URL [--json]   per-route table from a running collector", load: () => import("./commands/report.js") },
  "envoy-config": { summary: "envoy-config --primary HOST:PORT --shadow HOST:PORT --collector HOST:PORT [...]   Envoy configuration with the filter, for plain Envoy", load: () => import("./commands/envoy-config.js") },
  verdict: { summary: "verdict (--prometheus URL | --collector URL) [--json] [--emit-canary PERCENT]   may the shadow go to canary? (exit 0 pass, 1 fail, 2 not yet)", load: () => import("./commands/verdict.js") },
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((command) => `  shadowdiff ${command.summary}`);
  return `usage:\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${usage()}\`shadowdiff COMMAND --help\` describes one command.\n`);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`shadowdiff: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  const loaded = await command.load();
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(loaded.USAGE);
    return 0;
  }
  return loaded.run(args);
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
