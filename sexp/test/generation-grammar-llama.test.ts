/**
 * The catalog's grammar compiled by llama.cpp's own GBNF parser, through
 * node-llama-cpp (the local-gguf sidecar's, installed by
 * dev/local-gguf/install.js; no model is needed to parse a grammar). It
 * runs in a child process: llama.cpp prints why it refuses a grammar on
 * stderr, which a failing test shows. Skipped, saying so, when
 * node-llama-cpp is not installed there.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildCatalog, catalogGrammar, grammarProblems } from "../src/index.ts";
import { testSite } from "./generation-helpers.ts";

const LLAMA = fileURLToPath(new URL("../../dev/local-gguf/node_modules/node-llama-cpp/dist/index.js", import.meta.url));
const present = existsSync(LLAMA);

/** Each grammar file parsed by llama.cpp: whether it took it, and what it printed when not. */
function compile(grammars: Record<string, string>): Record<string, { ok: boolean; ms: number; error?: string }> {
  const dir = mkdtempSync(join(tmpdir(), "gbnf-"));
  try {
    for (const [name, text] of Object.entries(grammars)) writeFileSync(join(dir, `${name}.gbnf`), text);
    const script = join(dir, "compile.mjs");
    writeFileSync(
      script,
      `import { readFileSync } from "node:fs";
const { getLlama } = await import(${JSON.stringify(LLAMA)});
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const out = {};
for (const name of ${JSON.stringify(Object.keys(grammars))}) {
  const t = performance.now();
  try {
    await llama.createGrammar({ grammar: readFileSync(${JSON.stringify(dir)} + "/" + name + ".gbnf", "utf8") });
    out[name] = { ok: true, ms: performance.now() - t };
  } catch (e) {
    out[name] = { ok: false, ms: performance.now() - t, error: String(e && e.message) };
  }
}
await llama.dispose();
console.log(JSON.stringify(out));
`,
    );
    const run = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 60_000 });
    if (run.status !== 0) throw new Error(`node-llama-cpp exited ${run.status}: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as Record<string, { ok: boolean; ms: number; error?: string }>;
    // llama.cpp says why on stderr: attach it to the failures.
    for (const r of Object.values(result)) if (!r.ok) r.error = `${r.error}\n${run.stderr.slice(0, 2000)}`;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!present)("the catalog's grammar in llama.cpp (node-llama-cpp 3.21.1)", () => {
  it("compiles, with the default options and at the edges of the options, and llama.cpp refuses what grammarProblems refuses", async () => {
    const site = await testSite();
    const catalog = buildCatalog(site);
    const grammars = {
      site: catalogGrammar(catalog),
      shallow: catalogGrammar(catalog, { maxDepth: 1, maxChildren: 1, maxStringLength: 1 }),
      deep: catalogGrammar(catalog, { maxDepth: 12, maxChildren: 40, maxStringLength: 1500 }),
      bare: catalogGrammar({ ...catalog, components: [], queries: [], primitives: [], forms: [], attributes: [] }),
      // Too many rules for llama.cpp's repetition limit, and a rule used but not defined.
      tooMany: 'root ::= ("a" ("b")?){0,700}\n',
      undefinedRule: "root ::= item\n",
    };
    for (const name of ["site", "shallow", "deep", "bare"] as const) expect(grammarProblems(grammars[name]), name).toEqual([]);
    expect(grammarProblems(grammars.tooMany)).not.toEqual([]);
    expect(grammarProblems(grammars.undefinedRule)).not.toEqual([]);
    const result = compile(grammars);
    for (const name of ["site", "shallow", "deep", "bare"]) expect(result[name]!.ok, `${name}: ${result[name]!.error}`).toBe(true);
    expect(result.tooMany!.ok).toBe(false);
    expect(result.undefinedRule!.ok).toBe(false);
  }, 60_000);
});

if (!present) {
  describe("the catalog's grammar in llama.cpp", () => {
    it.skip(`skipped: ${LLAMA} is not installed (node dev/local-gguf/install.js installs node-llama-cpp 3.21.1)`, () => {});
  });
}
