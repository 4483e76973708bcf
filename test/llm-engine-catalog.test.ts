/**
 * The site's own catalog grammar (sexp/src/generation/grammar.ts over the
 * vocabulary and the app's components and queries, as the LLM Worker makes
 * it) driving real llama.cpp: a random-weight model, its pieces the
 * grammar's own words, sampled under it through the local-gguf sidecar with
 * hundreds of seeds. Whatever it writes must read and validate as the
 * Worker validates a model's answer (the untrusted policy, the site's
 * components, queries and parameter types). Skipped, saying so, without
 * dev/local-gguf/node_modules.
 */
import * as sexp from "@rose-ash/sexp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomModel, SEXP_PIECES } from "../dev/local-gguf/models.js";
import { gbnfLiterals } from "./llm/sexp-grammar.ts";
import { chat, engineMissing, modelFolder, startSidecar, type Sidecar } from "./llm/sidecar.ts";

// What this test uses of the Worker's vocabulary.ts, loaded by URL so that this (Node) project's
// type check does not take in the Worker's own types (as test/llm-replay-generate.test.ts does).
interface Vocabulary {
  readonly registry: sexp.Registry;
  readonly env: sexp.Env;
  readonly catalog: sexp.Catalog;
  readonly grammar: string;
}
const load = async <T>(path: string): Promise<T> => (await import(/* @vite-ignore */ new URL(path, import.meta.url).href)) as T;

const SAMPLES = 200;

describe.skipIf(engineMissing)(engineMissing ? `the catalog grammar in llama.cpp (skipped: ${engineMissing})` : "the catalog grammar in llama.cpp", () => {
  let vocabulary: Vocabulary;
  let folder: ReturnType<typeof modelFolder>;
  let sidecar: Sidecar;
  let close = -1;

  beforeAll(async () => {
    vocabulary = await (await load<{ siteVocabularyForModels: () => Promise<Vocabulary> }>("../workers/llm/src/vocabulary.ts")).siteVocabularyForModels();
    const model = randomModel({ seed: 3, pieces: [...SEXP_PIECES, ...gbnfLiterals(vocabulary.grammar)] });
    close = model.vocab.tokens.indexOf(")");
    folder = modelFolder();
    sidecar = await startSidecar([folder.write("catalog-random.gguf", model.gguf)]);
  }, 60_000);
  afterAll(async () => {
    await sidecar?.close();
    folder?.remove();
  });

  it(`a random model under it writes only s-expressions the Worker accepts (${SAMPLES} seeds)`, async () => {
    const refused: string[] = [];
    const heads = new Set<string>();
    let longest = "";
    for (let seed = 0; seed < SAMPLES; seed++) {
      // Every other sample leans away from closing a list, to reach deeper into the grammar.
      const { status, answer } = await chat(sidecar.url, {
        messages: [{ role: "user", content: "make a page" }],
        grammar: vocabulary.grammar,
        temperature: 1,
        top_k: 0,
        top_p: 1,
        min_p: 0,
        seed,
        max_tokens: 2000,
        ...(seed % 2 ? { logit_bias: { [close]: -2 } } : {}),
      });
      expect(status, JSON.stringify(answer)).toBe(200);
      const choice = answer.choices[0];
      const text = choice?.message.content ?? "";
      const { problems } = sexp.validateGenerated(text, { registry: vocabulary.registry, env: vocabulary.env, catalog: vocabulary.catalog });
      if (choice?.finish_reason !== "stop" || problems.length) refused.push(`seed ${seed} (${choice?.finish_reason}): ${text}\n  ${problems.map((p) => `${p.line}:${p.col} ${p.message}`).join("\n  ")}`);
      heads.add(/^\(\s*([^\s()]+)/.exec(text)?.[1] ?? text);
      if (text.length > longest.length) longest = text;
    }
    expect(refused).toEqual([]);
    // It explores: many different heads, and some long answers.
    expect(heads.size).toBeGreaterThanOrEqual(20);
    expect(longest.length).toBeGreaterThanOrEqual(100);
  }, 120_000);
});

// Printed past vitest (which keeps what passing files log to itself), so a skip is seen.
if (engineMissing) process.stderr.write(`test/llm-engine-catalog.test.ts: skipped the catalog grammar tests: ${engineMissing}\n`);
