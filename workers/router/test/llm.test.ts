/**
 * The LLM endpoint's HTTP contract inside workerd, with the LLM Worker
 * behind the router's LLM service binding: the playground (s-expressions
 * written by hand: validated, rendered as the site's page /llm/g/<hash>/,
 * stored by CID), refusals with positions, request limits, rate limits,
 * provenance, the catalog and its grammar, and the chat page. The model
 * paths run against recorded replies in llm-model.test.ts.
 */
import { SELF, createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker, { type WorkerEnv } from "../src/index.ts";
import { describe, expect, it } from "vitest";

const base = "http://rose-ash.test";
const json = (body: unknown, headers: Record<string, string> = {}) =>
  SELF.fetch(base + "/llm", { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", accept: "application/json", ...headers } });

interface Answer {
  sexp: string;
  hash: string;
  cid: string | null;
  html: string;
  model: string;
  cached: boolean;
  repairs: string[];
  conversation: string;
  warnings: unknown[];
}

const cards = '(div :class "picks" (h2 "Cheapest first") (map (fn (p) (~product-card :product p)) (query market products :sort "price")))';

describe("POST /llm with an s-expression written by hand (the playground)", () => {
  it("validates it, renders it as a page with live data, and stores the render by CID", async () => {
    const res = await json({ sexp: cards, prompt: "the cheapest products as cards" });
    expect(res.status).toBe(200);
    const a = (await res.json()) as Answer;
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toMatchObject({ model: "hand-written", cached: false, repairs: [] });
    expect(a.sexp).toContain("(query market products :sort \"price\")");
    expect(a.html).toContain("Cheapest first");
    expect(a.html).toContain('<article class="card">');
    expect(a.conversation).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    // The render is a shared page: its bytes by CID, verified, at /ipfs/.
    expect(a.cid).toMatch(/^bafkrei/);
    const stored = await SELF.fetch(`${base}/ipfs/${a.cid}`);
    expect(stored.status).toBe(200);
    expect(await stored.text()).toBe(a.html);
    // The generation is a page of the site, in its layout, and served from its pointer the next time.
    const page = await SELF.fetch(`${base}/llm/g/${a.hash}/`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain("<main");
    expect(body).toContain("Cheapest first");
    expect((await SELF.fetch(`${base}/llm/g/${a.hash}/`)).headers.get("x-rose-cache")).toBe("hit");
    // Its provenance, as ActivityStreams.
    const prov = await SELF.fetch(`${base}/llm/generations/${a.hash}`);
    expect(prov.headers.get("content-type")).toContain("application/activity+json");
    const create = (await prov.json()) as { type: string; actor: string; object: { source: { content: string }; "rose:hash": string; "rose:provider": string } };
    expect(create).toMatchObject({ type: "Create", actor: `${base}/llm/actor`, object: { "rose:hash": a.hash, "rose:provider": "playground", source: { content: a.sexp } } });
    expect((await SELF.fetch(`${base}/llm/generations/${"0".repeat(64)}`)).status).toBe(404);
  });

  it("continues a conversation: the next s-expression refines it, the page shows the diff", async () => {
    const first = (await (await json({ sexp: '(div (h2 "Events") (p "soon"))' })).json()) as Answer;
    const res = await SELF.fetch(base + "/llm", {
      method: "POST",
      body: new URLSearchParams({ sexp: '(div (h2 "Events") (p "this week"))', conversation: first.conversation }),
      headers: { "HX-Request": "true" },
    });
    expect(res.status).toBe(200);
    const turn = await res.text();
    expect(turn).toContain("this week");
    expect(turn).toContain('class="diff-remove"');
    expect(turn).toContain('class="diff-add"');
    expect(turn).toContain(`value="${first.conversation}"`);
  });

  it("refuses what the untrusted policy refuses, with line and column, and renders nothing", async () => {
    const hostile = '(div\n  (p :onclick "steal()" "hi")\n  (raw! "<script>x</script>")\n  (action cart clear-cart)\n  (generated "(p 1)"))';
    const res = await json({ sexp: hostile });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; errors: { line: number; col: number; message: string }[]; sexp: string };
    expect(body.sexp).toBe(hostile);
    expect(body.errors.length).toBeGreaterThanOrEqual(3);
    for (const e of body.errors) expect(e).toMatchObject({ line: expect.any(Number), col: expect.any(Number), message: expect.any(String) });
    expect(body.errors.map((e) => e.line)).toEqual(expect.arrayContaining([2, 3, 4, 5]));
    // Generated content may not render other generated content (its limits would not hold).
    expect(body.errors.find((e) => e.line === 5)!.message).toMatch(/generated is not allowed in untrusted content/);
    expect(body).not.toHaveProperty("html");
  });

  it("shows what fails only when it runs (a type the checker cannot see) as a notice in its place, says where, and the page stands", async () => {
    const res = await json({ sexp: '(div (h2 "Kept") (strong (ends-with? 4.56 "x")))' });
    expect(res.status).toBe(200);
    const a = (await res.json()) as Answer;
    expect(a.html).toMatch(/^<p class="generated-error" role="alert"[^>]*>This part could not be shown: 1:26: ends-with\?: argument 1 must be a string/);
    const page = await SELF.fetch(`${base}/llm/g/${a.hash}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<main[\s\S]*generated-error/);
    expect(a.warnings).toContainEqual({ line: 1, col: expect.any(Number), message: expect.stringMatching(/^when rendered: .*ends-with\?/) });
  });

  it("answers an unknown query with its position and a suggestion", async () => {
    const res = await json({ sexp: '(ul (map (fn (p) (li (:name p))) (query market productz)))' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: { line: number; col: number; message: string }[] };
    expect(body.errors[0]).toMatchObject({ line: 1 });
    expect(body.errors[0]!.message).toMatch(/products/);
  });
});

describe("generated pages that read who is asking", () => {
  it("render for each visitor and are never shared or stored", async () => {
    const signIn = await SELF.fetch(`${base}/account/sign-in/`, { method: "POST", body: new URLSearchParams({ email: "hannah@example.org", password: "rose-ash" }), headers: { "cf-connecting-ip": "192.0.2.77" }, redirect: "manual" });
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const greeting = '(p "Hello, " (or (:name (current-user)) "visitor") ".")';
    const hers = (await (await json({ sexp: greeting }, { cookie })).json()) as Answer;
    expect(hers.html).toContain("Hello, Hannah");
    expect(hers.cid).toBeNull();
    const anyone = (await (await json({ sexp: greeting })).json()) as Answer;
    expect(anyone.hash).toBe(hers.hash);
    expect(anyone.html).toContain("Hello, visitor.");
    const page = await (await SELF.fetch(`${base}/llm/g/${hers.hash}/`, { headers: { "HX-Request": "true" } })).text();
    expect(page).not.toContain("Hannah");
  });
});

describe("POST /llm: malformed, too large, too many", () => {
  it("answers 400 for a body that is not the contract", async () => {
    expect((await json("{not json")).status).toBe(400);
    expect((await json({ prompt: 3 })).status).toBe(400);
    expect((await json({})).status).toBe(400);
    const bad = await json({ prompt: "x", conversation: "short" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/conversation/);
  });

  it("takes requests from tools (no Origin) and this site, and refuses other sites", async () => {
    expect((await json({ sexp: '(p "mine")' }, { origin: base })).status).toBe(200);
    const foreign = await json({ sexp: '(p "theirs")' }, { origin: "https://elsewhere.example" });
    expect(foreign.status).toBe(403);
    expect((await SELF.fetch(`${base}/llm/feedback`, { method: "POST", body: "{}", headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
  });

  it("answers 413 past the size limit, before reading it all", async () => {
    const res = await json({ prompt: "x".repeat(70 * 1024) });
    expect(res.status).toBe(413);
  });

  it("answers 429 with Retry-After past the rate limit for an address", async () => {
    const ip = "198.51.100.77";
    let last: Response | null = null;
    for (let i = 0; i < 25; i++) {
      last = await json({ sexp: `(p "n${i}")` }, { "cf-connecting-ip": ip });
      if (last.status === 429) break;
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address is not held up.
    expect((await json({ sexp: '(p "other")' }, { "cf-connecting-ip": "198.51.100.78" })).status).toBe(200);
  });
});

describe("the catalog, its grammar, the chat page", () => {
  it("shows the catalog with its hash, and the grammar compiled from it", async () => {
    const res = await SELF.fetch(`${base}/llm/catalog`, { headers: { accept: "application/json" } });
    const { hash, text } = (await res.json()) as { hash: string; text: string };
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(text).toContain("~product-card");
    expect(text).toContain("recent-posts");
    const plain = await SELF.fetch(`${base}/llm/catalog`);
    expect(plain.headers.get("x-rose-catalog-hash")).toBe(hash);
    const grammar = await (await SELF.fetch(`${base}/llm/grammar.gbnf`)).text();
    expect(grammar).toMatch(/^root\s*::=/m);
    expect(grammar).toContain("product-card");
  });

  it("without a model: the chat page says so plainly and how to configure one; a prompt gets a 503, never a made-up answer", async () => {
    // The same service in-process (no LLM binding), with no provider configured.
    const none: WorkerEnv = { ...(env as WorkerEnv), LLM: undefined };
    const ask = async (request: Request) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(request, none, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const answer = await ask(new Request(`${base}/llm`, { method: "POST", body: JSON.stringify({ prompt: "the cheapest products" }), headers: { "content-type": "application/json" } }));
    expect(answer.status).toBe(503);
    const body = (await answer.json()) as { error: string; closest: unknown };
    expect(body.error).toMatch(/No model is configured.*LOCAL_GGUF.*LLM_BASE_URL/);
    expect(body).not.toHaveProperty("sexp");
    // A page people rated well is offered for a prompt like its own: labelled, with its similarity
    // (one of the seed's). A page written by hand in the playground is no example for others, however rated.
    const rated = (await (await ask(new Request(`${base}/llm`, { method: "POST", body: JSON.stringify({ prompt: "the cheapest bakery products as cards", sexp: cards }), headers: { "content-type": "application/json" } }))).json()) as Answer;
    await ask(new Request(`${base}/llm/feedback`, { method: "POST", body: JSON.stringify({ hash: rated.hash, rating: 5 }), headers: { "content-type": "application/json" } }));
    const offered = await ask(new Request(`${base}/llm`, { method: "POST", body: new URLSearchParams({ prompt: "cheapest bakery products" }), headers: { "HX-Request": "true" } }));
    const turn = await offered.text();
    expect(turn).toContain("Not written by a model");
    expect(turn).toContain("/llm/g/8bf196d2bd9eb453443a10ed19208ce6b76baebd8d3cfbd543cd9ac4a1ab01ad/");
    expect(turn).not.toContain(`/llm/g/${rated.hash}/`);
    expect(turn).toMatch(/similarity 0\.[5-9]/);
    const res = await ask(new Request(`${base}/llm`));
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("No model is configured");
    expect(page).toContain("LOCAL_GGUF");
    expect(page).toContain('name="sexp"');
    expect(page).toContain('hx-post="/llm"');
  });

  it("takes ratings of a generation", async () => {
    const a = (await (await json({ sexp: '(p "rate me")', prompt: "a paragraph to rate" })).json()) as Answer;
    const rate = (body: unknown) => SELF.fetch(`${base}/llm/feedback`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    expect((await rate({ hash: a.hash, rating: 5 })).status).toBe(200);
    expect((await rate({ hash: a.hash, rating: 9 })).status).toBe(400);
    expect((await rate({ hash: "1".repeat(64), rating: 5 })).status).toBe(404);
  });
});
