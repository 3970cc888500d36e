import { defineConfig } from "vitest/config";

// The Istio tests (test/istio-local/): istiod, istio-agent and the pinned Envoy in network
// namespaces, started by `make test-istio` inside a network namespace of their own
// (scripts/in-netns.sh), never by a plain `vitest run`. One file at a time: each starts a mesh
// of several Envoys on a machine of two cores.
export default defineConfig({
  test: {
    name: "istio",
    include: ["test/istio-local/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
