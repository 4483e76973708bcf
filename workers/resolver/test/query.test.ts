/**
 * The query primitive and the per-request I/O discipline, on pages written in
 * s-expressions: against the development database through the Neon driver,
 * and against a scripted database for concurrency, deduplication and deadlines.
 */
import { readFileSync, readdirSync } from "node:fs";
import { neonConfig } from "@neondatabase/serverless";
import { basePrimitives, createEnv, evaluateForms, parse, render, type Env } from "@rose-ash/sexp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { neonLocalConfig, startDevDatabase } from "../../../dev/db/server.js";
import { RequestIO, configureNeon, neonDb, registerQuery, type Db, type ResolverIO } from "../src/index.ts";

neonConfig.webSocketConstructor = ws;

const registry = basePrimitives.extend();
registerQuery(registry);

/** A site environment with the app's queries loaded. */
async function siteEnv(): Promise<Env> {
  const env = createEnv(registry);
  const dir = new URL("../../../app/queries/", import.meta.url);
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".sexp"))) {
    await evaluateForms(parse(readFileSync(new URL(f, dir), "utf8"), { src: f }), env);
  }
  return env;
}

describe("query on the development database", () => {
  let db: Awaited<ReturnType<typeof startDevDatabase>>;
  let env: Env;
  beforeAll(async () => {
    db = await startDevDatabase();
    configureNeon(neonLocalConfig(db.relayPort));
    env = await siteEnv();
  }, 30_000);
  afterAll(async () => db?.stop());

  it("renders a page from named queries run concurrently", async () => {
    const io: ResolverIO = { db: neonDb(db.connectionString), requests: new RequestIO() };
    try {
      const html = await render(
        `(let ((posts (query blog recent-posts :limit 3))
               (post (query blog post-by-slug :slug "apple-day-2026"))
               (cart (query cart cart-summary :user_id 4)))
           (div (h1 (:title post))
                (ul (map (fn (p) (li (a :href (str "/blog/" (:slug p) "/") (:title p)))) posts))
                (p (:items cart) " items")))`,
        createEnv(env),
        { io },
      );
      expect(html).toMatch(/^<div><h1>[^<]+<\/h1><ul>(<li><a href="\/blog\/[a-z0-9-]+\/">[^<]+<\/a><\/li>){3}<\/ul><p>\d+ items<\/p><\/div>$/);
    } finally {
      await io.db.close();
    }
  });

  it("a missing or mistyped parameter is an error with the call's position", async () => {
    const io: ResolverIO = { db: neonDb(db.connectionString), requests: new RequestIO() };
    try {
      const err = await render('(p\n  (query blog post-by-slug :slug 42))', createEnv(env), { io, src: "page.sexp" }).catch((e) => e);
      expect(err.text).toBe("page.sexp:2:3: query blog/post-by-slug: :slug must be text, got number 42");
      const unknown = await render("(query blog no-such-thing)", createEnv(env), { io }).catch((e) => e);
      expect(unknown.message).toBe("unknown query blog/no-such-thing");
    } finally {
      await io.db.close();
    }
  });
});

describe("per-request I/O discipline", () => {
  /** A database whose every query takes `ms`, recording concurrency. */
  function scripted(ms: number) {
    const log = { calls: 0, inFlight: 0, maxInFlight: 0 };
    const db: Db = {
      query: async () => {
        log.calls++;
        log.inFlight++;
        log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
        await new Promise((r) => setTimeout(r, ms));
        log.inFlight--;
        return [{ v: 1 }];
      },
      close: async () => {},
    };
    return { db, log };
  }

  it("identical calls in one request run once", async () => {
    const env = await siteEnv();
    const { db, log } = scripted(5);
    const html = await render("(p (count (query blog nav-tree)) (count (query blog nav-tree)) (count (query blog recent-posts :limit 10)) (count (query blog recent-posts)))", createEnv(env), {
      io: { db, requests: new RequestIO() },
    });
    expect(html).toBe("<p>1111</p>");
    expect(log.calls).toBe(2); // nav-tree once; recent-posts with :limit 10 and with the default 10 once
  });

  it("at most 6 run at once; the rest wait their turn", async () => {
    const env = await siteEnv();
    const { db, log } = scripted(20);
    const page = `(ul (map (fn (i) (li (count (query blog recent-posts :limit i)))) (range 1 15)))`;
    await render(page, createEnv(env), { io: { db, requests: new RequestIO() } });
    expect(log.calls).toBe(14);
    expect(log.maxInFlight).toBe(6);
  });

  it("a call past its deadline fails with a clear error", async () => {
    const env = await siteEnv();
    const { db } = scripted(200);
    const err = await render("(p (query blog nav-tree))", createEnv(env), { io: { db, requests: new RequestIO({ timeoutMs: 30 }) } }).catch((e) => e);
    expect(err.message).toBe("query: query blog/nav-tree [] timed out after 30 ms");
    expect(err.loc).toMatchObject({ line: 1, col: 4 });
  });
});
