import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["sexp/**/*.test.ts", "test/**/*.test.ts", "workers/resolver/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
        },
      },
      {
        // Worker tests run inside workerd with the router's wrangler.toml; the
        // development database is started by the global setup and reached
        // through its relay.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                DATABASE_URL: inject("connectionString"),
                NEON_WS_PROXY: `127.0.0.1:${inject("relayPort")}/v2`,
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["workers/router/test/**/*.test.ts"],
          globalSetup: ["workers/router/test/global-setup.ts"],
        },
      },
    ],
  },
});
