/**
 * The LLM endpoint end to end on the real engine: `npm run dev` with
 * LOCAL_GGUF (the node-llama-cpp sidecar, decoding under the catalog's
 * grammar) and tiny GGUF models generated here.
 *
 * - A counted bigram model whose corpus is the Worker's own system prompt
 *   and a prompt with its page: greedy decoding reproduces the page, so the
 *   endpoint's answer is known, and so are the cache (the same request asks
 *   no model) and the provenance.
 * - A random-weight model sampled under the grammar the site serves, with
 *   hundreds of seeds: a fuzzer of the real engine. Every s-expression it
 *   writes must be accepted and rendered by POST /llm like any other.
 *
 * Skipped, saying so, without dev/local-gguf/node_modules.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigramModel, randomModel, SEXP_PIECES } from "../dev/local-gguf/models.js";
import { startStack } from "../dev/stack.js";
import { gbnfLiterals } from "./llm/sexp-grammar.ts";
import { chat, engineMissing, modelFolder, startSidecar, type Sidecar } from "./llm/sidecar.ts";

const PROMPT = "the three cheapest products in the bakery, as cards";
const PAGE = '(div :class "grid" (map (fn (x) (~product-card :product x)) (take 4 (query market products :category "bakery" :sort "price-asc"))))';
const SAMPLES = 200;

const load = async <T>(path: string): Promise<T> => (await import(/* @vite-ignore */ new URL(path, import.meta.url).href)) as T;
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe.skipIf(engineMissing)(engineMissing ? `the LLM endpoint on llama.cpp (skipped: ${engineMissing})` : "the LLM endpoint on llama.cpp", () => {
  let folder: ReturnType<typeof modelFolder>;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let random: Sidecar;
  let grammar = "";

  beforeAll(async () => {
    folder = modelFolder();
    // What the sidecar reads after the Worker's messages (system, user): one piece each, then the page.
    const { system } = await (await load<{ siteVocabularyForModels: () => Promise<{ system: string }> }>("../workers/llm/src/vocabulary.ts")).siteVocabularyForModels();
    const bigram = bigramModel([[`system: ${system}\n`, `user: ${PROMPT}\nassistant:`, PAGE]]);
    expect(bigram.ambiguous).toEqual([]);
    const [port, dbPort] = [await freePort(), await freePort()];
    stack = await startStack({ port, dbPort, env: { LOCAL_GGUF: folder.write("bigram.gguf", bigram.gguf) }, vars: { LLM_RATE_LIMIT: "100000" }, timeoutMs: 180_000 });
    grammar = await (await fetch(`${stack.url}/llm/grammar.gbnf`)).text();
    random = await startSidecar([folder.write("random.gguf", randomModel({ seed: 3, pieces: [...SEXP_PIECES, ...gbnfLiterals(grammar)] }).gguf)]);
  }, 240_000);
  afterAll(async () => {
    await random?.close();
    await stack?.stop();
    folder?.remove();
  });

  const ask = (body: unknown) => fetch(`${stack.url}/llm`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", accept: "application/json" } });

  it("answers with the page the model writes, then from the cache, with its provenance", async () => {
    expect(stack.output()).toMatch(/model\s+bigram\.gguf on this machine/);
    const first = await ask({ prompt: PROMPT });
    expect(first.status, await first.clone().text()).toBe(200);
    const a = (await first.json()) as { sexp: string; hash: string; html: string; model: string; cached: boolean; cid: string };
    expect(a.sexp.replace(/\s+/g, " ")).toBe(PAGE.replace(/\s+/g, " "));
    expect(a).toMatchObject({ model: "bigram.gguf", cached: false });
    expect(a.html).toContain('<article class="card">');
    const again = (await (await ask({ prompt: `  ${PROMPT.toUpperCase()} ` })).json()) as typeof a;
    expect(again).toMatchObject({ hash: a.hash, cid: a.cid, cached: true });
    const create = (await (await fetch(`${stack.url}/llm/generations/${a.hash}`)).json()) as { object: Record<string, unknown> };
    expect(create.object).toMatchObject({ "rose:model": "bigram.gguf", "rose:provider": "openai-compatible", "rose:hash": a.hash });
  }, 120_000);

  it(`renders everything a random model writes under the site's grammar (${SAMPLES} seeds)`, async () => {
    const close = randomModel({ seed: 3, pieces: [...SEXP_PIECES, ...gbnfLiterals(grammar)] }).vocab.tokens.indexOf(")");
    const refused: string[] = [];
    const heads = new Set<string>();
    for (let seed = 0; seed < SAMPLES; seed++) {
      const { status, answer } = await chat(random.url, {
        messages: [{ role: "user", content: "make a page" }],
        grammar,
        temperature: 1,
        top_k: 0,
        top_p: 1,
        min_p: 0,
        seed,
        max_tokens: 2000,
        // Every other sample leans away from closing a list, to reach deeper into the grammar.
        ...(seed % 2 ? { logit_bias: { [close]: -2 } } : {}),
      });
      expect(status).toBe(200);
      const text = answer.choices[0]?.message.content ?? "";
      heads.add(/^\(\s*([^\s()]+)/.exec(text)?.[1] ?? text);
      const res = await ask({ sexp: text });
      if (res.status !== 200) refused.push(`seed ${seed}: ${res.status} ${(await res.text()).slice(0, 400)}\n  ${text}`);
      else await res.arrayBuffer();
    }
    expect(refused).toEqual([]);
    expect(heads.size).toBeGreaterThanOrEqual(20);
  }, 300_000);
});

if (engineMissing) process.stderr.write(`test/llm-stack.test.ts: skipped: ${engineMissing}\n`);
