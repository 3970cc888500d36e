// No base image can be pulled and no Docker engine runs here, so the collector image is tested in
// two halves: package-install.test.ts runs what its install step does (the packed project,
// installed with production dependencies only); this file checks that the Dockerfile does exactly
// that, and that the image and the chart agree (user, command, ports, probes, volumes).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findManifest } from "../istio/support/manifests.js";
import { REPO } from "./support/tools.js";

interface Instruction {
  stage: number;
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped, numbered by stage. */
function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, " ").split("\n");
  let stage = -1;
  const result: Instruction[] = [];
  for (const line of joined) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (match === null || line.trimStart().startsWith("#")) continue;
    if (match[1] === "FROM") stage += 1;
    result.push({ stage, keyword: match[1]!, args: match[2]!.replace(/\s+/g, " ").trim() });
  }
  return result;
}

const dockerfile = instructions(readFileSync(join(REPO, "Dockerfile"), "utf8"));
const final = dockerfile.filter((i) => i.stage === Math.max(...dockerfile.map((d) => d.stage)));
const one = (keyword: string): string => {
  const found = final.filter((i) => i.keyword === keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!.args;
};

describe("the collector's Dockerfile", () => {
  const deployment = findManifest("Deployment", "shadowdiff-collector", "shadowdiff");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it("builds in one stage and runs from another that takes only the production install", () => {
    expect(dockerfile.filter((i) => i.keyword === "FROM")).toHaveLength(2);
    const copies = final.filter((i) => i.keyword === "COPY");
    expect(copies.map((c) => c.args)).toEqual(["--from=build /opt/shadowdiff /opt/shadowdiff"]);
    const install = dockerfile.find((i) => i.keyword === "RUN" && i.args.includes("npm install --global"));
    expect(install?.args).toMatch(/npm install --global --prefix \/opt\/shadowdiff --omit=dev .*\/tmp\/shadowdiff-\*\.tgz$/);
    expect(dockerfile.some((i) => i.keyword === "RUN" && /npm pack --pack-destination \/tmp/.test(i.args))).toBe(true);
  });

  it("runs as the non-root user the chart's pod asks for", () => {
    expect(one("USER")).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  it("with the chart's args, starts `shadowdiff collector` on the config file the chart mounts", () => {
    expect(JSON.parse(one("ENTRYPOINT"))).toEqual(["shadowdiff"]);
    const mount = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.name === "config")!;
    expect(container.args).toEqual(["collector", "--config", `${mount.mountPath}/collector.yaml`]);
    expect(JSON.parse(one("CMD"))).toEqual(container.args);
    expect(container.command).toBeUndefined();
  });

  it("works in the examples volume, the one place it writes, and exposes the chart's ports", () => {
    const examples = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.name === "examples")!;
    expect(one("WORKDIR")).toBe(examples.mountPath);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const ports = (container.ports as { containerPort: number }[]).map((p) => String(p.containerPort));
    expect(one("EXPOSE").split(" ")).toEqual(ports);
    expect(one("HEALTHCHECK")).toContain(`http://127.0.0.1:${ports[1]}/healthz`);
  });
});
