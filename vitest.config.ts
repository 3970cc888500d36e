import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end tests start real Envoy, Prometheus and collector processes.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
