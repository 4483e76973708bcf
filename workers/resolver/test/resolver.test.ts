/**
 * The resolver on pages written in s-expressions: queries, fragments and
 * actions against the development database through the Neon driver (over
 * HTTP, and over the WebSocket Pool). Waves, batching, deduplication, the cap,
 * deadlines and error fragments are tested inside workerd (waves.worker.test.ts).
 */
import { readFileSync, readdirSync } from "node:fs";
import { neonConfig } from "@neondatabase/serverless";
import { basePrimitives, render } from "@rose-ash/sexp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { neonLocalConfig, startDevDatabase } from "../../../dev/db/server.js";
import {
  RequestIO, ResolverClient, configureNeon, executeBatch, loadApp, localTransport, neonDb, neonHttpDb, registerResolverPrimitives,
  type App, type Db, type ResolverIO, type Source, type Transport,
} from "../src/index.ts";

neonConfig.webSocketConstructor = ws;

const registry = basePrimitives.extend();
registerResolverPrimitives(registry);

function appSources(): Source[] {
  const root = new URL("../../../app/", import.meta.url);
  return ["components", "fragments", "queries"].flatMap((dir) =>
    readdirSync(new URL(`${dir}/`, root))
      .filter((f) => f.endsWith(".sexp"))
      .map((f) => ({ name: `app/${dir}/${f}`, text: readFileSync(new URL(`${dir}/${f}`, root), "utf8") })),
  );
}

/** Render `src` as a page of `app`, its I/O through `transport`. */
function page(app: App, src: string, transport: Transport, { method = "GET", requests = new RequestIO() } = {}) {
  const client = new ResolverClient(transport, requests);
  const io: ResolverIO = { resolver: client, method };
  return { client, html: render(src, app.env, { io, src: "page.sexp" }) };
}

describe("on the development database", () => {
  let dev: Awaited<ReturnType<typeof startDevDatabase>>;
  let app: App;
  let db: Db & { statements: number };
  beforeAll(async () => {
    dev = await startDevDatabase();
    configureNeon(neonLocalConfig(dev.relayPort));
    app = await loadApp(appSources(), registry);
  }, 30_000);
  afterAll(async () => dev?.stop());
  const open = () => {
    const inner = neonHttpDb(dev.connectionString);
    const counted = { statements: 0, query: (sql: string, p: unknown[]) => (counted.statements++, inner.query(sql, p)), close: () => inner.close() };
    return (db = counted);
  };

  it("runs a wave of independent queries as one batch, in one statement", async () => {
    const { client, html } = page(
      app,
      `(let ((posts (query blog recent-posts :limit 3))
             (post (query blog post-by-slug :slug "apple-day-2026"))
             (events (query events upcoming :from "2026-01-01T00:00:00Z"))
             (cart (query cart cart-summary :user_id 4)))
         (div (h1 (:title post))
              (ul (map (fn (p) (li (a :href (str "/blog/" (:slug p) "/") (:title p)))) posts))
              (p (:starts_at (first events)))
              (p (:items cart) " items")))`,
      localTransport(app, open),
    );
    try {
      expect(await html).toMatch(/^<div><h1>[^<]+<\/h1><ul>(<li><a href="\/blog\/[a-z0-9-]+\/">[^<]+<\/a><\/li>){3}<\/ul><p>2026-12-\d\dT\d\d:\d\d:00\.000Z<\/p><p>5 items<\/p><\/div>$/);
      expect([client.batches, db.statements]).toEqual([1, 1]);
    } finally {
      await db.close();
    }
  });

  it("reads the same rows over the driver's WebSocket Pool as over HTTP", async () => {
    const calls = [
      { op: "query", service: "blog", name: "post-by-slug", args: { slug: "apple-day-2026" } },
      { op: "query", service: "events", name: "upcoming", args: { from: "2026-01-01T00:00:00Z" } },
      { op: "query", service: "market", name: "categories", args: {} },
    ] as const;
    const pool = neonDb(dev.connectionString);
    try {
      const viaPool = await executeBatch(app, pool, calls);
      expect(viaPool).toEqual(await executeBatch(app, neonHttpDb(dev.connectionString), calls));
      expect(viaPool[0]).toMatchObject({ ok: { slug: "apple-day-2026", tags: expect.any(Array), published_at: expect.stringMatching(/^2026-.*Z$/) } });
    } finally {
      await pool.close();
    }
  });

  it("renders fragments in their service, their own queries batched", async () => {
    const { client, html } = page(app, `(div (frag blog link-card :slug "apple-day-2026") (frag blog link-card :slug "no-such-post") (frag cart cart-mini :user_id 4))`, localTransport(app, open));
    try {
      expect(await html).toMatch(/^<div><a class="link-card" href="\/blog\/apple-day-2026\/"><strong>[^<]+<\/strong>.*<\/a><a id="cart-mini" class="cart-mini" href="\/cart\/"><span class="cart-count">5<\/span> items · £[\d.]+<\/a><\/div>$/);
      expect(client.batches).toBe(1); // three fragments, two services, one request
      expect(db.statements).toBe(1); // and the fragments' own queries went together too
    } finally {
      await db.close();
    }
  });

  it("performs actions only from POST, before the same batch's reads", async () => {
    const key = `test-${Date.now()}`;
    const add = `(let ((added (action cart add-item :session_key "${key}" :product_id 1 :quantity 2)))
                   (p added " " (:items (query cart cart-summary :session_key "${key}"))))`;
    await expect(page(app, add, localTransport(app, open)).html).rejects.toThrow("action cart/add-item: actions run only in POST routes");
    await db.close();
    const { html } = page(app, add, localTransport(app, open), { method: "POST" });
    try {
      expect(await html).toBe("<p>2 2</p>");
      const remove = `(let ((r (action cart remove-item :session_key "${key}" :product_id 1))) (:items (query cart cart-summary :session_key "${key}")))`;
      expect(await page(app, `(p ${remove})`, localTransport(app, () => db), { method: "POST" }).html).toBe("<p>0</p>");
    } finally {
      await db.close();
    }
  });

  it("a missing or mistyped parameter is an error at the call's position, before any I/O", async () => {
    const t = localTransport(app, () => {
      throw new Error("no database should be opened");
    });
    const err = await page(app, "(p\n  (query blog post-by-slug :slug 42))", t).html.catch((e) => e);
    expect(err.text).toBe("page.sexp:2:3: query blog/post-by-slug: :slug must be text, got number 42");
    expect((await page(app, "(query blog no-such-thing)", t).html.catch((e) => e)).message).toBe("unknown query blog/no-such-thing");
    expect((await page(app, "(query cart add-item :product_id 1)", t).html.catch((e) => e)).message).toBe("cart/add-item is an action: use (action ...)");
  });
});

describe("the client's waves", () => {
  it("sends the calls of a wave at once when asked (a streamed page's shell), and what comes after in a batch of its own", async () => {
    const sent: string[][] = [];
    const transport: Transport = async (calls) => (sent.push(calls.map((c) => c.name)), calls.map(() => ({ ok: null })));
    const client = new ResolverClient(transport);
    const shell = [client.call("query", "market", "products", {}), client.call("query", "market", "categories", {})];
    client.sendNow();
    const header = client.call("frag", "cart", "cart-mini", {});
    await Promise.all([...shell, header]);
    expect(sent).toEqual([["products", "categories"], ["cart-mini"]]);
    client.sendNow(); // nothing waiting: no empty batch
    await new Promise((r) => setTimeout(r, 5));
    expect(client.batches).toBe(2);
  });

  it("says when its first batch is answered, and with what: nothing wrong, the database unreachable, or no answer at all", async () => {
    const ok = new ResolverClient(async (calls) => calls.map(() => ({ ok: 1 })));
    const first = ok.firstBatchAnswered(); // asked before anything was sent
    await ok.call("query", "market", "products", {});
    expect(await first).toBeNull();
    await ok.call("query", "market", "categories", {});
    expect(await ok.firstBatchAnswered()).toBeNull();

    const unreachable = new ResolverClient(async (calls) => calls.map(() => ({ error: "Error connecting to database", unavailable: true as const })));
    await unreachable.call("query", "market", "products", {}).catch(() => {});
    expect(await unreachable.firstBatchAnswered()).toMatchObject({ name: "UnavailableError", message: "Error connecting to database" });

    const refused = new ResolverClient(() => Promise.reject(new TypeError("Network connection lost.")));
    const asked = refused.firstBatchAnswered();
    await refused.call("query", "market", "products", {}).catch(() => {});
    expect((await asked)?.message).toMatch(/^batch 1 \(query market\/products\) failed: Network connection lost\.$/);

    // A query's own mistake is the page's to show: the service answered.
    const mistaken = new ResolverClient(async (calls) => calls.map(() => ({ error: "column \"x\" does not exist" })));
    await mistaken.call("query", "market", "products", {}).catch(() => {});
    expect(await mistaken.firstBatchAnswered()).toBeNull();
  });
});
