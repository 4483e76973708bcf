/**
 * The resolver inside workerd, against a scripted database and transport:
 * waves, batching, deduplication, the concurrency cap, deadlines, failures
 * confined to their call, error fragments, and the Worker's batch endpoint.
 */
import { basePrimitives, render } from "@rose-ash/sexp";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { sources } from "@rose-ash/app";
import { RequestIO, ResolverClient, TimeoutError, UnavailableError, executeBatch, loadApp, localTransport, registerResolverPrimitives, type App, type Db, type ResolverIO, type Transport } from "../src/index.ts";

const registry = basePrimitives.extend();
registerResolverPrimitives(registry);

/** Render `src` as a page of `app`, its I/O through `transport`. */
function page(app: App, src: string, transport: Transport, { method = "GET", requests = new RequestIO() } = {}) {
  const client = new ResolverClient(transport, requests);
  const io: ResolverIO = { resolver: client, method };
  return { client, html: render(src, app.env, { io, src: "page.sexp" }) };
}

describe("waves, batches and failures", () => {
  let app: App;
  beforeAll(async () => {
    app = await loadApp(sources, registry);
  });

  /** A database answering every combined statement after `ms`; SQL containing `fail` errors. */
  function scripted(ms: number, fail?: string) {
    const log = { statements: 0, inFlight: 0, maxInFlight: 0 };
    const db: Db = {
      query: async (sql) => {
        log.statements++;
        log.inFlight++;
        log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
        await new Promise((r) => setTimeout(r, ms));
        log.inFlight--;
        if (fail && sql.includes(fail)) throw Object.assign(new Error("relation does not exist"), { code: "42P01" });
        const row: Record<string, unknown> = {};
        for (const [, n] of sql.matchAll(/\) q\) AS r(\d+)/g)) row[`r${n}`] = [{ slug: `s${n}`, title: `T${n}`, items: 1 }];
        return [row];
      },
      close: async () => {},
    };
    return { db, log };
  }

  it("identical reads run once; dependent ones wait for the next wave", async () => {
    const { db, log } = scripted(5);
    const { client, html } = page(
      app,
      `(let ((a (query blog nav-tree)) (b (query blog nav-tree)) (c (query blog recent-posts :limit 10)) (d (query blog recent-posts))
             (e (query blog post-by-slug :slug (:slug (first a)))))
         (p (count a) (count b) (count c) (count d) (:title e)))`,
      localTransport(app, () => db),
    );
    expect(await html).toBe("<p>1111T0</p>");
    expect([client.batches, log.statements]).toEqual([2, 2]); // nav-tree and recent-posts together, then post-by-slug
  });

  it("at most 6 calls are in flight; the rest wait their turn", async () => {
    const requests = new RequestIO();
    let inFlight = 0;
    let most = 0;
    const slow = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return 1;
    };
    const done = await Promise.all(Array.from({ length: 9 }, (_, i) => requests.run(`call ${i}`, slow)));
    expect([done.length, requests.started, most]).toEqual([9, 9, 6]);
  });

  it("one failing query fails only its own call", async () => {
    const { db, log } = scripted(1, "FROM events");
    const { html } = page(app, `(p (count (query blog nav-tree)) (count (query events upcoming :from "2026-01-01T00:00:00Z")))`, localTransport(app, () => db));
    const err = await html.catch((e) => e);
    expect(err.text).toBe("page.sexp:1:41: query: relation does not exist");
    expect(log.statements).toBe(3); // together, then each alone to find the culprit
  });

  it("a database out of reach fails every read of the batch at once, as unavailable, without trying each alone", async () => {
    let statements = 0;
    const down: Db = { query: async () => (statements++, Promise.reject(new Error("Error connecting to database: fetch failed"))), close: async () => {} };
    const results = await executeBatch(app, down, [
      { op: "query", service: "blog", name: "nav-tree", args: {} },
      { op: "query", service: "blog", name: "recent-posts", args: {} },
    ]);
    expect(results).toEqual([
      { error: "Error connecting to database: fetch failed", unavailable: true },
      { error: "Error connecting to database: fetch failed", unavailable: true },
    ]);
    expect(statements).toBe(1);
    const err = await page(app, "(p (query blog nav-tree))", localTransport(app, () => down)).html.catch((e) => e);
    expect(err.cause).toBeInstanceOf(UnavailableError);
  });

  it("a call past its deadline fails with a clear error at its position", async () => {
    const { db } = scripted(200);
    const err = await page(app, "(p (query blog nav-tree))", localTransport(app, () => db), { requests: new RequestIO({ timeoutMs: 30 }) }).html.catch((e) => e);
    expect(err.message).toBe("query: batch 1 (query blog/nav-tree) timed out after 30 ms");
    expect(err.loc).toMatchObject({ line: 1, col: 4 });
    expect(err.cause).toBeInstanceOf(UnavailableError);
  });

  it("at the deadline the batch's own request is cancelled, not left running", async () => {
    let cancelled: unknown = null;
    const hanging: Transport = (_calls, signal) =>
      new Promise((_, reject) =>
        signal!.addEventListener("abort", () => {
          cancelled = signal!.reason;
          reject(signal!.reason);
        }),
      );
    const err = await page(app, "(p (query blog nav-tree))", hanging, { requests: new RequestIO({ timeoutMs: 30 }) }).html.catch((e) => e);
    expect(err.message).toBe("query: batch 1 (query blog/nav-tree) timed out after 30 ms");
    expect(cancelled).toBeInstanceOf(TimeoutError);
  });

  it("a failed fragment renders the error component in its place, and is logged", async () => {
    const { db } = scripted(1, "FROM posts");
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const { html } = page(app, `(div (frag blog link-card :slug "x") (frag blog no-such-fragment) (p "rest of the page"))`, localTransport(app, () => db));
      expect(await html).toBe(
        '<div><span class="fragment-error" role="status" data-fragment="blog/link-card">Unavailable</span>' +
          '<span class="fragment-error" role="status" data-fragment="blog/no-such-fragment">Unavailable</span><p>rest of the page</p></div>',
      );
      const lines = logged.mock.calls.map((c) => String(c[0]));
      expect(lines).toContainEqual(expect.stringMatching(/^fragment blog\/link-card failed, rendered as an error: .*relation does not exist/));
      expect(lines).toContainEqual("fragment blog/no-such-fragment failed, rendered as an error: unknown fragment blog/no-such-fragment");
    } finally {
      logged.mockRestore();
    }
  });

  it("a malformed batch is refused with a reason", async () => {
    const worker = (await import("../src/worker.ts")).default;
    const post = (body: string) => worker.fetch(new Request("https://resolver/batch", { method: "POST", body }), {}, { waitUntil: () => {} });
    expect((await post("{}")).status).toBe(400);
    expect(await (await post('{"calls":[{"op":"drop","service":"x","name":"y","args":{}}]}')).json()).toEqual({ error: expect.stringMatching(/^bad batch: each call is/) });
    const ok = await post('{"calls":[{"op":"query","service":"blog","name":"nope","args":{}}]}');
    expect(await ok.json()).toEqual({ results: [{ error: "unknown query blog/nope" }] });
  });

  it("executes a batch over the wire format", async () => {
    const { db } = scripted(1);
    const results = await executeBatch(app, db, [
      { op: "query", service: "blog", name: "nav-tree", args: {} },
      { op: "query", service: "blog", name: "post-by-slug", args: { slug: 7 } },
    ]);
    expect(results).toEqual([{ ok: [{ slug: "s0", title: "T0", items: 1 }] }, { error: "query blog/post-by-slug: :slug must be text, got number 7" }]);
  });
});
