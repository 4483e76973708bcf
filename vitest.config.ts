import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type Plugin } from "vitest/config";

/** .sexp sources as text modules in Node, as wrangler's Text rule bundles them for Workers. */
const sexpText: Plugin = {
  name: "sexp-text",
  transform: (code, id) => (id.endsWith(".sexp") ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined),
};

export default defineConfig({
  // Vite's own warnings (source maps of dependencies) are not about this project.
  logLevel: "error",
  test: {
    // What a passing test printed (errors it provoked on purpose) is left out; a failing test's output is shown with it.
    silent: "passed-only",
    projects: [
      {
        plugins: [sexpText],
        test: {
          name: "node",
          include: ["sexp/**/*.test.ts", "vocabulary/**/*.test.ts", "content/**/*.test.ts", "executor/**/*.test.ts", "federation/**/*.test.ts", "jinja/**/*.test.ts", "test/**/*.test.ts", "workers/resolver/**/*.test.ts", "workers/llm/**/*.test.ts", "gpu-render-service/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**", "**/*.worker.test.ts"],
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
                NEON_DEV_PROXY: `127.0.0.1:${inject("relayPort")}`,
                // Short, so a test can watch a copy of a pointer expire.
                POINTER_TTL_MS: "300",
                // Low, so a test can reach it.
                LLM_RATE_LIMIT: "20",
                IPNS_ROUTING_URL: inject("routingUrl"),
                // The render service the media tests give the router (their own env: the other tests render none).
                TEST_RENDER_SERVICE_URL: inject("renderUrl"),
              },
              // The resolver Worker behind the router's RESOLVER service binding.
              workers: [
                {
                  name: "rose-ash-resolver",
                  modules: true,
                  scriptPath: inject("resolverScript"),
                  compatibilityDate: "2026-04-26",
                  bindings: {
                    DATABASE_URL: inject("connectionString"),
                    NEON_DEV_PROXY: `127.0.0.1:${inject("relayPort")}`,
                  },
                },
                {
                  name: "rose-ash-llm",
                  modules: true,
                  scriptPath: inject("llmScript"),
                  compatibilityDate: "2026-04-26",
                  r2Buckets: { WARM: "rose-ash-warm" },
                  bindings: {
                    DATABASE_URL: inject("connectionString"),
                    NEON_DEV_PROXY: `127.0.0.1:${inject("relayPort")}`,
                    // Recorded replies (dev/llm/replay-server.js), with the grammar sent as llama.cpp's server takes it.
                    LLM_BASE_URL: inject("replayUrl"),
                    LLM_MODEL: "replay",
                    LLM_GRAMMAR: "gbnf",
                    LLM_TIMEOUT_MS: "1500",
                  },
                },
              ],
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["workers/router/test/**/*.test.ts", "workers/resolver/test/**/*.worker.test.ts", "workers/llm/test/**/*.worker.test.ts", "content/test/**/*.worker.test.ts", "durable-objects/test/**/*.test.ts"],
          globalSetup: ["workers/router/test/global-setup.ts"],
        },
      },
    ],
  },
});
