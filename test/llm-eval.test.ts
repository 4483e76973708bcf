/**
 * `npm run llm:eval` (dev/llm/eval.js): the evaluation set is well formed and
 * speaks the site's vocabulary; answers are judged as the issue says (valid,
 * the right queries and components, no invented data, renders); the table,
 * the score, and the runner against a site's POST /llm contract (here a
 * stand-in site answering with fixed contract responses: no model anywhere).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { componentsOf, judge, loadEvalSet, main, modelVars, queriesOf, readableText, report, runEval, score, type EvalItem } from "../dev/llm/eval.js";
import { choose, loadReplies, textOf } from "../dev/llm/replay-server.js";

const app = (dir: string) => {
  const folder = fileURLToPath(new URL(`../app/${dir}/`, import.meta.url));
  return readdirSync(folder).filter((f) => f.endsWith(".sexp")).map((f) => readFileSync(join(folder, f), "utf8")).join("\n");
};
const QUERIES = new Set([...app("queries").matchAll(/\(defquery ([\w-]+) ([\w-]+)/g)].map((m) => `${m[1]}/${m[2]}`));
const COMPONENTS = new Set([...app("components").matchAll(/\(defcomp (~[\w-]+)/g)].map((m) => m[1]!));

const CARDS = '(div :class "grid"\n  (map (fn (p) (~product-card :product p))\n       (take 3 (query market products :category "bakery" :sort "price-asc"))))';
const item: EvalItem = { prompt: "The three cheapest products in the bakery as cards", expect: { queries: ["market/products"], components: ["~product-card"], text: ["Oat Flapjacks, 4", "Rosemary & Sea Salt Focaccia"] } };
const good = {
  sexp: CARDS,
  hash: "a".repeat(64),
  cid: "bafkreiexample",
  html: '<div class="grid"><article class="card"><h3><a href="/market/oat-flapjacks-4/">Oat Flapjacks, 4</a></h3></article><article class="card"><h3><a>Rosemary &amp; Sea Salt Focaccia</a></h3></article></div>',
  model: "qwen2.5-coder-1.5b",
  cached: false,
  repairs: ["balanced 2 parentheses"],
  warnings: [],
  conversation: "c".repeat(22),
};

describe("the evaluation set (dev/llm/eval-set.json)", () => {
  const items = loadEvalSet();

  it("has at least 40 different prompts, each with checks", () => {
    expect(items.length).toBeGreaterThanOrEqual(40);
    expect(new Set(items.map((i) => i.prompt.toLowerCase())).size).toBe(items.length);
    expect(items.every((i) => i.expect.queries.length > 0)).toBe(true);
    expect(items.filter((i) => i.expect.components.length > 0).length).toBeGreaterThanOrEqual(10);
    expect(items.filter((i) => i.expect.text?.length).length).toBeGreaterThanOrEqual(30);
  });

  it("expects only the site's own queries and components", () => {
    for (const i of items) {
      for (const q of i.expect.queries.flatMap((e) => e.split("|"))) expect(QUERIES, i.prompt).toContain(q);
      for (const c of i.expect.components.flatMap((e) => e.split("|"))) expect(COMPONENTS, i.prompt).toContain(c);
    }
    const asked = new Set(items.flatMap((i) => i.expect.queries.flatMap((e) => e.split("|"))));
    for (const q of ["market/products", "market/product-by-slug", "market/categories", "blog/recent-posts", "blog/archive", "blog/post-by-slug", "events/upcoming"]) expect(asked).toContain(q);
  });

  it("agrees with the recorded replies: the answer a recording ends with uses what its prompt expects", () => {
    const recorded = loadReplies();
    let matched = 0;
    for (const i of items) {
      const scenario = choose(recorded, [{ role: "user", content: i.prompt }])?.scenario;
      const last = scenario && textOf(scenario.replies.at(-1));
      if (!last) continue;
      matched++;
      expect(i.expect.queries.filter((e) => !e.split("|").some((q) => queriesOf(last).includes(q))), i.prompt).toEqual([]);
      expect(i.expect.components.filter((e) => !e.split("|").some((c) => componentsOf(last).includes(c))), i.prompt).toEqual([]);
    }
    expect(matched).toBeGreaterThanOrEqual(12);
  });
});

describe("judging an answer", () => {
  it("reads the queries and components an s-expression uses", () => {
    const two = '(let ((posts (query blog recent-posts :limit 3)) (events (query  events upcoming :from "2027-01-01")))\n  (div (~post-list :heading "News" :posts posts) (map (fn (e) (~event-item :event e)) events) (~event-item :event (first events))))';
    expect(queriesOf(two)).toEqual(["blog/recent-posts", "events/upcoming"]);
    expect(componentsOf(two)).toEqual(["~post-list", "~event-item"]);
    expect(queriesOf('(p "(query market products")')).toEqual(["market/products"]);
  });

  it("reads rendered html as text: tags dropped, entities decoded", () => {
    expect(readableText('<p>Rosemary &amp; Sea Salt &#8212; <b>£3.80</b>&nbsp;<i>now</i></p><p>Next</p><script>x()</script>')).toEqual(["Rosemary & Sea Salt — £3.80 nowNext", "Rosemary & Sea Salt — £3.80 now Next"]);
  });

  it("passes every check for a valid answer that uses what was expected and shows the text", () => {
    expect(judge(item, { status: 200, body: good, ms: 812 })).toMatchObject({ valid: true, queries: true, components: true, noInventedData: true, renders: true, repairs: 1, ms: 812, error: null, model: "qwen2.5-coder-1.5b" });
  });

  it("fails each check on its own: other query, other component, invented data, missing text", () => {
    const other = judge({ ...item, expect: { queries: ["market/categories|blog/archive"], components: ["~price"], text: ["Seeded Rye"] } }, { status: 200, body: { ...good, warnings: [{ line: 2, col: 9, message: 'literal price "£3.99" where market/products has price_pence' }] }, ms: 5 });
    expect(other).toMatchObject({ valid: true, queries: false, components: false, noInventedData: false, renders: false });
    expect(other.missing).toEqual({ queries: ["market/categories|blog/archive"], components: ["~price"], text: ["Seeded Rye"] });
    expect(other.warnings).toEqual(['2:9 literal price "£3.99" where market/products has price_pence']);
    expect(judge({ ...item, expect: { queries: ["market/product-by-slug|market/products"], components: [] } }, { status: 200, body: good, ms: 5 }).queries).toBe(true);
    expect(judge(item, { status: 200, body: { ...good, html: "" }, ms: 5 }).renders).toBe(false);
  });

  it("fails every check when no valid s-expression came, saying why", () => {
    const refused = judge(item, { status: 422, body: { error: "no valid s-expression after 3 tries", errors: [{ line: 2, col: 3, message: "<script> is not allowed" }, { line: 4, col: 1, message: "x" }], sexp: "(div (script))" }, ms: 3000 });
    expect(refused).toMatchObject({ valid: false, queries: false, components: false, noInventedData: false, renders: false, repairs: null });
    expect(refused.error).toBe("422: no valid s-expression after 3 tries (2:3 <script> is not allowed, and 1 more)");
    expect(judge(item, { status: 502, body: { error: "openai-compatible (m): HTTP 500: boom" }, ms: 1 }).error).toBe("502: openai-compatible (m): HTTP 500: boom");
    expect(judge(item, { status: 0, body: null, ms: 1, error: "the site could not be reached: ECONNREFUSED" }).error).toBe("the site could not be reached: ECONNREFUSED");
  });

  it("scores checks and whole prompts, and prints a table with what failed", () => {
    const results = [judge(item, { status: 200, body: good, ms: 800 }), judge(item, { status: 200, body: { ...good, cached: true, warnings: [{ line: 1, col: 1, message: "literal count" }] }, ms: 12 }), judge(item, { status: 502, body: { error: "the model did not answer within 60 s" }, ms: 60_000 })];
    expect(score(results)).toEqual({ passed: 9, total: 15, prompts: 3, fullyPassed: 1, byCheck: { valid: 2, queries: 2, components: 2, noInventedData: 1, renders: 2 } });
    const text = report(results);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^#\s+prompt\s+valid\s+queries\s+components\s+no invented data\s+renders\s+repairs\s+ms$/);
    expect(lines[2]).toMatch(/^1\s+The three cheapest products in the bakery as cards\s+✓\s+✓\s+✓\s+✓\s+✓\s+1\s+800$/);
    expect(lines[3]).toMatch(/✗\s+✓\s+1\s+12 \(cached\)$/);
    expect(lines[4]).toMatch(/✗ 502\s+✗\s+✗\s+✗\s+✗\s+–\s+60000$/);
    expect(text).toContain("Score: 9/15 checks passed (60.0%); 1/3 prompts passed every check (33.3%).");
    expect(text).toContain("  2. The three cheapest products in the bakery as cards: invented data: 1:1 literal count");
    expect(text).toContain("  3. The three cheapest products in the bakery as cards: 502: the model did not answer within 60 s");
  });

  it("passes the model settings on to the stack, the API key through the environment only", () => {
    expect(modelVars({ LLM_BASE_URL: "http://127.0.0.1:9/v1", LLM_MODEL: "m", LLM_API_KEY: "sk", LLM_GRAMMAR: "gbnf", LOCAL_GGUF: "/m.gguf", PATH: "/bin", LLM_STREAM: "" })).toEqual({
      LLM_BASE_URL: "http://127.0.0.1:9/v1",
      LLM_MODEL: "m",
      LLM_GRAMMAR: "gbnf",
      LOCAL_GGUF: "/m.gguf",
      LLM_RATE_LIMIT: "100000",
    });
  });
});

describe("running the evaluation against a site", () => {
  // A stand-in site: POST /llm answers with fixed responses of the endpoint's contract.
  let site: Server;
  let url: string;
  const asked: unknown[] = [];
  beforeAll(async () => {
    site = createServer(async (req, res) => {
      let body = "";
      for await (const c of req) body += c;
      if (req.url === "/_health") return void res.writeHead(200).end("ok");
      if (req.method !== "POST" || req.url !== "/llm") return void res.writeHead(404).end();
      asked.push({ headers: { accept: req.headers.accept, origin: req.headers.origin, "content-type": req.headers["content-type"] }, body: JSON.parse(body) });
      const { prompt } = JSON.parse(body) as { prompt: string };
      if (prompt.includes("cheapest")) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(good));
      if (prompt.includes("broken")) return void res.writeHead(500, { "content-type": "text/html" }).end("<h1>Internal error</h1>");
      res.writeHead(422, { "content-type": "application/json" }).end(JSON.stringify({ error: "no valid s-expression after 3 tries", errors: [{ line: 1, col: 1, message: "the answer holds no s-expression" }], sexp: null }));
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => site.close(resolve));
  });

  it("posts each prompt as JSON and judges the answers, in order", async () => {
    const seen: number[] = [];
    const results = await runEval({
      url: `${url}/llm`,
      items: [item, { prompt: "a broken page", expect: { queries: [], components: [] } }, { prompt: "a poem", expect: { queries: [], components: [] } }],
      onResult: (_r, i) => seen.push(i),
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(results.map((r) => [r.status, r.valid, r.renders])).toEqual([[200, true, true], [500, false, false], [422, false, false]]);
    expect(results[1]!.error).toBe("500: not JSON: <h1>Internal error</h1>");
    expect(asked[0]).toEqual({ headers: { accept: "application/json", origin: undefined, "content-type": "application/json" }, body: { prompt: item.prompt } });
  });

  it("npm run llm:eval: a table and a score, --limit and --json; exit 0 whatever the score", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-eval-test-"));
    const saved = process.env.EVAL_URL;
    const said: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (said.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      process.env.EVAL_URL = url;
      expect(await main(["--limit", "2", "--json", join(dir, "eval.json")])).toBe(0);
    } finally {
      process.stdout.write = write;
      if (saved === undefined) delete process.env.EVAL_URL;
      else process.env.EVAL_URL = saved;
    }
    const out = said.join("");
    expect(out).toContain(`Evaluating 2 prompts against ${url}/llm`);
    expect(out).toMatch(/Score: \d+\/10 checks passed/);
    const json = JSON.parse(readFileSync(join(dir, "eval.json"), "utf8")) as { url: string; score: { prompts: number }; results: unknown[] };
    expect(json).toMatchObject({ url, score: { prompts: 2 } });
    expect(json.results).toHaveLength(2);
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 1 when the site cannot be reached", async () => {
    const saved = process.env.EVAL_URL;
    const errors: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(" "));
    try {
      process.env.EVAL_URL = "http://127.0.0.1:9";
      expect(await main(["--limit", "1"])).toBe(1);
    } finally {
      console.error = error;
      if (saved === undefined) delete process.env.EVAL_URL;
      else process.env.EVAL_URL = saved;
    }
    expect(errors.join("\n")).toContain("The site at http://127.0.0.1:9 could not be reached");
  });
});
