/**
 * The component plan: holes for user-scoped components in shared renders,
 * and `:cache` components looked up by input key before they run (pure ones
 * by Merkle hash and arguments, I/O ones after their answers are in), with
 * user-scoped results kept per visitor. Then the same on the running site.
 */
import { env } from "cloudflare:test";
import { compileTop, parseOne, toHtml, type Value } from "@rose-ash/sexp";
import { ResolverClient, databaseFromEnv } from "@rose-ash/resolver";
import { WarmStore, bucketStore, memoryBucket, type HotCache } from "@rose-ash/content";
import { hotCalls, hotResults, memoryCalls, memoryDependencies, memoryPointers, memoryResults, templateOf, type Stores } from "@rose-ash/executor";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { WorkerEnv } from "../src/env.ts";
import { evalContext, executorFor, type RouteJob, type RouteRender } from "../src/render.ts";
import { matchRoute } from "../src/routes.ts";
import type { RequestInfo } from "../src/request.ts";
import { Session } from "../src/session.ts";
import { visitorScope } from "../src/visitor-scope.ts";
import { loadSite, type Site } from "../src/site.ts";
import { deliverChange } from "./deliver.ts";
import { fetched } from "./fetched.ts";

const LIB = `
(defcomp ~card (&key title) :cache true (div :class "card" title))
(defcomp ~search (&key) :cache true (p "q=" (param "q")))
(defcomp ~hi (&key) :cache true (p "hi " (or (session-key) "nobody")))
(defcomp ~plain (&key title) (b title))
(defcomp ~apply-it (&key f) :cache true (p (f 1)))
(defcomp ~wrap (&key children) (p (session-key) children))
(defcomp ~lang (&key) (p "lang " (or (cookie "lang") "en")))
(defcomp ~with-frag (&key) :cache true (div (frag blog link-card :slug "x")))
(defcomp ~paged (&key) (p (session-key) " page " (param "page")))
(defroute "/r/" (p "q=" (param "q")))
`;

/** A hot tier in memory, counting reads. */
function memoryHot(): HotCache & { gets: number; keys(): string[] } {
  const m = new Map<string, string>();
  const hot = {
    name: "memory",
    gets: 0,
    get: async (k: string) => (hot.gets++, m.get(k) ?? null),
    getMany: async (ks: readonly string[]) => new Map(ks.map((k) => (hot.gets++, [k, m.get(k) ?? null]))),
    put: async (k: string, v: string) => void m.set(k, v),
    keys: () => [...m.keys()],
  };
  return hot;
}

interface Visitor {
  session: Session;
}

async function visitor(): Promise<Visitor> {
  const session = new Session("test-secret", undefined, false);
  await session.ensure();
  return { session };
}

interface RenderOptions {
  url?: string;
  shared?: boolean;
  who?: Visitor;
  cookies?: [string, string][];
}

/** One request as the primitives see it (no resolver behind it: a fragment call fails). */
function requestInfo(options: RenderOptions): RequestInfo {
  const { url = "https://t.test/", shared = false, who, cookies = [] } = options;
  const session = who?.session ?? new Session("test-secret", undefined, false);
  const client = new ResolverClient(async () => Promise.reject(new Error("no resolver in this test")));
  return {
    again: () => requestInfo(options),
    mediaReads: [],
    request: new Request(url),
    url: new URL(url),
    cookies: new Map(cookies),
    form: new Map(),
    session,
    client,
    resolver: client,
    method: "GET",
    shared,
    components: { cached: 0, rendered: 0 },
    address: "test",
    visitorScope: () => visitorScope(session, null),
    sessionsEnded: async () => {},
  };
}

/** The stores of one isolate over a hot tier (its own copy in front), keeping no pages. */
const storesOver = (hot: HotCache): Stores => ({ pages: null, media: null, results: hotResults(hot), calls: hotCalls(hot) });

/** Render `expr` on `site` as one request; what came out and what the plan did. */
async function render(site: Site, stores: Stores, expr: string, options: RenderOptions = {}) {
  const io = requestInfo(options);
  const pending: Promise<unknown>[] = [];
  const ctx = evalContext(site, io, executorFor(site, io, env as unknown as WorkerEnv, (p) => pending.push(p), stores));
  const html = toHtml((await compileTop(parseOne(expr))(null, ctx)) as Value);
  await Promise.all(pending);
  return { html, ...io.components, userScoped: io.userScoped ?? false };
}

describe("component plan", () => {
  const site = loadSite([{ name: "test/lib.sexp", text: LIB }]);

  it("renders a pure :cache component once per input; a hit skips it", async () => {
    const store = storesOver(memoryHot());
    const s = await site;
    expect(await render(s, store, `(~card :title "a")`)).toMatchObject({ html: `<div class="card">a</div>`, cached: 0, rendered: 1 });
    expect(await render(s, store, `(~card :title "a")`)).toMatchObject({ html: `<div class="card">a</div>`, cached: 1, rendered: 0 });
    expect(await render(s, store, `(~card :title "b")`)).toMatchObject({ html: `<div class="card">b</div>`, rendered: 1 });
    // Not marked: never looked up.
    expect(await render(s, store, `(~plain :title "a")`)).toMatchObject({ cached: 0, rendered: 0 });
  });

  it("keys by the component's Merkle hash: a changed definition is a new key, shared through the hot tier", async () => {
    const hot = memoryHot();
    const before = await loadSite([{ name: "test/lib.sexp", text: LIB }]);
    await render(before, storesOver(hot), `(~card :title "a")`);
    // Another isolate (its own local copy) with the same definitions finds it in the hot tier.
    expect(await render(before, storesOver(hot), `(~card :title "a")`)).toMatchObject({ cached: 1 });
    const after = await loadSite([{ name: "test/lib.sexp", text: LIB.replace(`(div :class "card" title)`, `(section :class "card" title)`) }]);
    expect(await render(after, storesOver(hot), `(~card :title "a")`)).toMatchObject({ html: `<section class="card">a</section>`, cached: 0, rendered: 1 });
  });

  it("keys a component that does I/O after its answers are in", async () => {
    const store = storesOver(memoryHot());
    const s = await site;
    const at = (q: string) => ({ url: `https://t.test/?q=${q}` });
    expect(await render(s, store, `(~search)`, at("1"))).toMatchObject({ html: "<p>q=1</p>", rendered: 1 });
    expect(await render(s, store, `(~search)`, at("1"))).toMatchObject({ html: "<p>q=1</p>", cached: 1 });
    // New data, new key: never the old answer.
    expect(await render(s, store, `(~search)`, at("2"))).toMatchObject({ html: "<p>q=2</p>", rendered: 1 });
    expect(await render(s, store, `(~search)`, at("1"))).toMatchObject({ html: "<p>q=1</p>", cached: 1 });
  });

  it("keeps a user-scoped component's output per visitor, and makes it a hole in a shared render", async () => {
    const hot = memoryHot();
    const store = storesOver(hot);
    const s = await site;
    const [ada, bob] = [await visitor(), await visitor()];
    const adaSid = (await ada.session.data())!.sid;
    const bobSid = (await bob.session.data())!.sid;
    expect(await render(s, store, `(~hi)`, { who: ada })).toMatchObject({ html: `<p>hi ${adaSid}</p>`, rendered: 1 });
    expect(await render(s, store, `(~hi)`, { who: bob })).toMatchObject({ html: `<p>hi ${bobSid}</p>`, rendered: 1 });
    expect(await render(s, store, `(~hi)`, { who: ada })).toMatchObject({ html: `<p>hi ${adaSid}</p>`, cached: 1 });
    expect(hot.keys().filter((k) => k.startsWith("shared:"))).toEqual([]);
    const shared = await render(s, store, `(div (~hi))`, { who: ada, shared: true });
    expect(shared).toMatchObject({ html: "<div><!--rose:hole ~hi {}--></div>", cached: 0, rendered: 0, userScoped: false });
  });

  it("renders what it cannot key: a function argument, and a user-scoped component with children (then the page is not shared)", async () => {
    const store = storesOver(memoryHot());
    const s = await site;
    for (let i = 0; i < 2; i++) expect(await render(s, store, `(~apply-it :f (fn (x) (+ x 1)))`)).toMatchObject({ html: "<p>2</p>", cached: 0 });
    const who = await visitor();
    expect(await render(s, store, `(~wrap (i "x"))`, { who, shared: true })).toMatchObject({ userScoped: true });
  });
});

describe("holes", () => {
  const site = loadSite([{ name: "test/lib.sexp", text: LIB }]);
  const fill = async (html: string, hot: HotCache, options: RenderOptions) => {
    const s = await site;
    const io = requestInfo(options);
    const pending: Promise<unknown>[] = [];
    const exec = executorFor(s, io, env as unknown as WorkerEnv, (p) => pending.push(p), storesOver(hot));
    const { body } = await exec.fillHoles(templateOf(html, null), io);
    await Promise.all(pending);
    return body;
  };

  it("never keeps a hole that read a cookie: anonymous visitors each get their own", async () => {
    const hot = memoryHot();
    const { html } = await render(await site, storesOver(hot), `(div (~lang))`, { shared: true });
    expect(html).toBe("<div><!--rose:hole ~lang {}--></div>");
    expect(await fill(html, hot, { cookies: [["lang", "fr"]] })).toBe("<div><p>lang fr</p></div>");
    expect(await fill(html, hot, { cookies: [["lang", "de"]] })).toBe("<div><p>lang de</p></div>");
    expect(await fill(html, hot, {})).toBe("<div><p>lang en</p></div>");
    expect(hot.keys()).toEqual([]);
  });

  it("never keeps a hole that read a parameter: what is kept for a visitor is not keyed by the URL", async () => {
    const hot = memoryHot();
    const { html } = await render(await site, storesOver(hot), `(div (~paged))`, { shared: true });
    const who = await visitor();
    const sid = (await who.session.data())!.sid;
    expect(await fill(html, hot, { who, url: "https://t.test/?page=1" })).toBe(`<div><p>${sid} page 1</p></div>`);
    expect(await fill(html, hot, { who, url: "https://t.test/?page=2" })).toBe(`<div><p>${sid} page 2</p></div>`);
    expect(hot.keys().filter((k) => k.includes(":hole "))).toEqual([]);
  });

  it("keeps a hole the session decides, per session", async () => {
    const hot = memoryHot();
    const { html } = await render(await site, storesOver(hot), `(div (~hi))`, { shared: true });
    const who = await visitor();
    const sid = (await who.session.data())!.sid;
    expect(await fill(html, hot, { who })).toBe(`<div><p>hi ${sid}</p></div>`);
    // The hole, and (as ~hi is also :cache) the component and its plan inside it: all kept for this visitor only.
    expect(hot.keys().filter((k) => k.includes(":hole "))).toHaveLength(1);
    for (const k of hot.keys()) expect(k).toMatch(new RegExp(`^user:${sid}\\.`));
  });
});

describe("a part that failed", () => {
  it("is not kept: a component holding a failed fragment renders again next time", async () => {
    const store = storesOver(memoryHot());
    const s = await loadSite([{ name: "test/lib.sexp", text: LIB }]);
    const first = await render(s, store, `(~with-frag)`);
    expect(first.html).toContain("unavailable");
    expect(await render(s, store, `(~with-frag)`)).toMatchObject({ cached: 0, rendered: 1 });
  });
});

describe("components on the site", () => {
  const base = "http://rose-ash.test";
  const get = (path: string) => fetched(base + path);

  it("renders a product card once: another listing of the same products takes them all from the cache", async () => {
    // Pages no one had are sent as they render (no header can say what their parts did): the plan says.
    const cards = async (path: string) => {
      expect((await get(path)).headers.get("x-rose-cache")).toBe("miss");
      const plan = await (await get(`/_sexp/plan?path=${encodeURIComponent(path)}`)).text();
      return />component ~product-card<\/text><text[^>]*>[^<]*<\/text><text[^>]*>([^<]*)<\/text>/.exec(plan)![1]!;
    };
    expect(await cards("/market/?sort=name&category=")).toMatch(/\d+ (miss|hit)/);
    const [, hits] = /^(\d+) hit · hot/.exec(await cards("/market/?sort=price-desc&category="))!;
    expect(Number(hits)).toBeGreaterThanOrEqual(10);
  });

  describe("a cached component that reads data", () => {
    const db = databaseFromEnv(env as never);
    let renamed: { slug: string; name: string } | null = null;
    afterAll(async () => {
      if (renamed) await db.query("UPDATE products SET name = $1 WHERE slug = $2", [renamed.name, renamed.slug]);
    });

    it("moves no pointer when the data did not change, and shows the change when it did", async () => {
      await get("/");
      const home = decodeURIComponent((await get("/")).headers.get("x-rose-pointer")!);
      const sequence = async () => (await env.POINTERS.get(env.POINTERS.idFromName(home)).current())!.sequence;
      const before = await sequence();
      // Nothing changed: asking each page's queries again gives the same input key, so nothing is rendered, stored or moved.
      const log = vi.spyOn(console, "log");
      expect(await deliverChange(["products"])).toHaveLength(1);
      expect(await sequence()).toBe(before);
      const line = log.mock.calls.flat().join("\n");
      log.mockRestore();
      const [, pages, unchanged, skipped] = /: (\d+) pages read them: 0 moved, (\d+) unchanged \((\d+) without rendering\)/.exec(line)!;
      expect(Number(pages)).toBeGreaterThanOrEqual(2); // home and the market listings
      expect([unchanged, skipped]).toEqual([pages, pages]);

      const rows = await db.query("SELECT slug, name FROM products WHERE on_sale ORDER BY coalesce(sale_price_pence, price_pence), name LIMIT 1", []);
      renamed = rows[0] as { slug: string; name: string };
      await db.query("UPDATE products SET name = $1 WHERE slug = $2", ["Renamed On Sale", renamed.slug]);
      expect(await deliverChange(["products"])).toHaveLength(1);
      expect(await sequence()).toBe(before + 1);
      await vi.waitFor(async () => expect(await (await get("/")).text()).toContain("Renamed On Sale"), { timeout: 2000, interval: 100 });
    });
  });
});

describe("re-rendering a page", () => {
  it("evaluates the route in a fresh request context: nothing answered before (asking the calls again, an earlier attempt) is reused", async () => {
    const s = await loadSite([{ name: "test/lib.sexp", text: LIB }]);
    const r2 = bucketStore(memoryBucket());
    const stores: Stores = {
      pages: { pointers: memoryPointers(), content: new WarmStore(r2, [r2]), pins: null, dependencies: memoryDependencies() },
      media: null,
      results: memoryResults(),
      calls: memoryCalls(),
    };
    const match = matchRoute(s.routes, "GET", "/r/")!;
    const job: RouteJob = { page: { route: s.routeKey(match.route, false), path: "/r/", htmx: false }, shared: true, mode: "serve", fresh: false, match };
    const resolve = async (url: string, mode: RouteJob["mode"]) => {
      const made: RequestInfo[] = [];
      const io: RequestInfo = { ...requestInfo({ url }), again: () => (made.push(requestInfo({ url })), made.at(-1)!) };
      const r = await executorFor(s, io, env as unknown as WorkerEnv, () => {}, stores).resolvePage<RouteJob, RouteRender>({ ...job, mode });
      return { r, io, made };
    };
    const served = await resolve("https://t.test/r/?q=1", "serve");
    expect(served.r.state).toBe("miss");
    expect(served.made).toHaveLength(0);
    // The request now answers differently (as data does after a change): asked again, then rendered anew.
    const { r, io, made } = await resolve("https://t.test/r/?q=2", "refresh");
    expect(r.state).toBe("miss");
    if (r.state !== "miss") throw new Error("unexpected");
    expect(made).toHaveLength(1);
    expect(r.render.io).toBe(made[0]);
    expect(r.render.io).not.toBe(io);
    expect(r.render.html).toContain("q=2");
  });
});
