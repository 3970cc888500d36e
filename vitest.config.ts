import { defineConfig } from "vitest/config";

// Two projects: `unit` runs in seconds and starts no process (the filter runs in the in-process
// wasm host, collectors in the test's own process); `e2e` starts real Envoy, Prometheus,
// promtool, helm, a registry, the built `shadowdiff` command and the AssemblyScript compiler. An
// e2e test is named `*.e2e.test.ts` or lives in test/e2e/ or test/ship/.
const E2E = [
  "test/e2e/**/*.test.ts",
  "test/ship/**/*.test.ts",
  "test/**/*.e2e.test.ts",
  // Compiles a probe module with asc in a child process.
  "test/filter/abort.test.ts",
];

export default defineConfig({
  test: {
    pool: "forks",
    projects: [
      {
        extends: true,
        // test/istio-local/ is the Istio project's (vitest.istio.config.ts, make test-istio).
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...E2E, "test/istio-local/**"] },
      },
      {
        extends: true,
        test: { name: "e2e", include: E2E, testTimeout: 60_000, hookTimeout: 120_000 },
      },
    ],
  },
});
