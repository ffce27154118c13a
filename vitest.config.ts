import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Real-server suites start processes; forks isolate them from each other and from msw's global fetch patch.
    pool: "forks",
  },
});
