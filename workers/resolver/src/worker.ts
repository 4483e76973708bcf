/**
 * The resolver Worker: the router's service binding `RESOLVER` sends it
 * batches of calls (`POST /batch`, JSON), one per wave whatever the services, and it
 * answers with one result per call. It has no public route in production.
 */
import { basePrimitives } from "@rose-ash/sexp";
import { sources } from "@rose-ash/app";
import { loadApp, type App } from "./app.ts";
import { databaseFromEnv, type DatabaseEnv } from "./db.ts";
import { executeBatch } from "./execute.ts";
import { registerResolverPrimitives } from "./primitives.ts";
import { parseBatch } from "./wire.ts";

let app: Promise<App> | null = null;

/** The primitives fragments may use: the base set and the resolver's I/O (no request access). */
export function resolverRegistry() {
  const registry = basePrimitives.extend();
  registerResolverPrimitives(registry);
  return registry;
}

export default {
  async fetch(request: Request, env: DatabaseEnv, context: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/_health") return new Response("ok");
    if (url.pathname !== "/batch") return new Response("Not Found", { status: 404 });
    if (request.method !== "POST") return new Response("POST a batch", { status: 405, headers: { allow: "POST" } });
    let calls;
    try {
      calls = parseBatch(await request.json()).calls;
    } catch (e) {
      return Response.json({ error: `bad batch: ${e instanceof Error ? e.message : String(e)}` }, { status: 400 });
    }
    app ??= loadApp(sources, resolverRegistry()).catch((e: unknown) => {
      app = null; // load again on the next request
      throw e;
    });
    const db = databaseFromEnv(env);
    try {
      return Response.json({ results: await executeBatch(await app, db, calls) });
    } finally {
      context.waitUntil(db.close());
    }
  },
};
