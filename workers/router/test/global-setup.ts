/**
 * Starts the development database for the Worker tests: PGlite with the
 * seed data, or, when DATABASE_URL is set, that Postgres with schema.sql
 * applied in a scratch schema (dropped afterwards) that the Worker's
 * connections select through their search_path. Also bundles the resolver
 * and LLM Workers, which the tests run beside the router as its RESOLVER and
 * LLM services, and
 * starts a local IPNS routing server for the pointers' records and the
 * replay server of recorded model replies for the LLM Worker.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { TestProject } from "vitest/node";
import { createScratchSchema } from "../../../dev/db/scratch.js";
import { startDevDatabase } from "../../../dev/db/server.js";
import { startReplayServer } from "../../../dev/llm/replay-server.js";
import { startRoutingServer } from "../../../dev/routing/server.js";

declare module "vitest" {
  export interface ProvidedContext {
    relayPort: number;
    connectionString: string;
    resolverScript: string;
    llmScript: string;
    routingUrl: string;
    replayUrl: string;
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
  project.provide("resolverScript", await bundleWorker("resolver", "../../resolver/src/worker.ts"));
  project.provide("llmScript", await bundleWorker("llm", "../../llm/src/worker.ts"));
  project.provide("relayPort", db.relayPort);
  project.provide("connectionString", scratch?.connectionString ?? db.connectionString);
  return async () => {
    await scratch?.drop();
    await db.stop();
    await routing.close();
    await replay.close();
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
