/**
 * Starts the development database for the Worker tests: PGlite with the
 * seed data, or, when DATABASE_URL is set, that Postgres with schema.sql
 * applied in a scratch schema (dropped afterwards) that the Worker's
 * connections select through their search_path. Also bundles the resolver
 * and LLM Workers, which the tests run beside the router as its RESOLVER and
 * LLM services, and
 * starts a local IPNS routing server for the pointers' records, the
 * replay server of recorded model replies for the LLM Worker, and the render
 * service (CPU engine, a fresh store) for the media tests.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { TestProject } from "vitest/node";
import { createScratchSchema } from "../../../dev/db/scratch.js";
import { startDevDatabase } from "../../../dev/db/server.js";
import { startReplayServer } from "../../../dev/llm/replay-server.js";
import { startRoutingServer } from "../../../dev/routing/server.js";
import { MediaStore, RenderService, openEngine } from "../../../gpu-render-service/src/index.ts";

/** The render service's secret in the media tests (the router's RENDER_SECRET there). */
export const TEST_RENDER_SECRET = "test-only-render-secret";

declare module "vitest" {
  export interface ProvidedContext {
    relayPort: number;
    connectionString: string;
    resolverScript: string;
    llmScript: string;
    routingUrl: string;
    replayUrl: string;
    renderUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const db = await startDevDatabase({ databaseUrl });
  const scratch = databaseUrl ? await createScratchSchema(databaseUrl) : null;
  // Where the pointers publish their signed IPNS records (a local Delegated Routing server).
  const routing = await startRoutingServer();
  project.provide("routingUrl", routing.url);
  // The LLM Worker's model: recorded replies from a local OpenAI-compatible server (dev/llm), never a stand-in that makes answers up.
  const replay = await startReplayServer();
  project.provide("replayUrl", replay.url);
  // Media: the render service itself, on the CPU engine; callbacks tried once (the tests' origins are not reachable from here).
  const renderStore = mkdtempSync(join(tmpdir(), "rose-ash-render-test-"));
  const render = new RenderService({
    engine: (await openEngine("cpu")).engine,
    store: new MediaStore({ dir: renderStore, pinning: null }),
    secret: TEST_RENDER_SECRET,
    callback: { attempts: 1, timeoutMs: 2000 },
    log: () => {},
    // Callbacks to the tests' made-up origins cannot arrive (the tests land jobs by following them), and the
    // renders that fail do so on purpose (the tests read why through the edge); anything else is shown.
    logError: (line) => void (/callback|failed at/.test(line) ? undefined : console.error(`render-service: ${line}`)),
  });
  const renderAddress = await render.listen(0, "127.0.0.1");
  project.provide("renderUrl", `http://127.0.0.1:${renderAddress.port}`);
  project.provide("resolverScript", await bundleWorker("resolver", "../../resolver/src/worker.ts"));
  project.provide("llmScript", await bundleWorker("llm", "../../llm/src/worker.ts"));
  project.provide("relayPort", db.relayPort);
  project.provide("connectionString", scratch?.connectionString ?? db.connectionString);
  return async () => {
    await scratch?.drop();
    await db.stop();
    await routing.close();
    await replay.close();
    await render.close();
    rmSync(renderStore, { recursive: true, force: true });
  };
}

/** A Worker beside the router (the resolver, the LLM Worker) as one ES module, bundled as wrangler would (text rule for .sexp). */
async function bundleWorker(name: string, entry: string): Promise<string> {
  const dir = fileURLToPath(new URL("../../../.data/test/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const outfile = `${dir}${name}-worker.mjs`;
  await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    external: ["cloudflare:*"],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    loader: { ".sexp": "text" },
    outfile,
    logLevel: "warning",
  });
  return outfile;
}
