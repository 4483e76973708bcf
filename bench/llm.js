/**
 * `npm run bench`, LLM part: the endpoint's own cost per generation with the
 * model excluded (extract, validate, keep, render; bench/llm-generation.ts),
 * target p50 under 5 ms, and the time to build the catalog and compile its
 * GBNF grammar, in TypeScript and in llama.cpp's own parser (node-llama-cpp,
 * when dev/local-gguf has it installed).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const dir = mkdtempSync(join(tmpdir(), "rose-ash-bench-llm-"));
const out = join(dir, "llm-generation.mjs");
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
try {
  await build({
    entryPoints: [fileURLToPath(new URL("./llm-generation.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    loader: { ".sexp": "text" },
    outfile: out,
    logLevel: "warning",
  });
  const { REPLY, buildGrammar, generation } = await import(pathToFileURL(out).href);
  for (let i = 0; i < 50; i++) await generation(REPLY); // warm-up
  const N = 300;
  const runs = [];
  for (let i = 0; i < N; i++) runs.push(await generation(REPLY));
  console.log(`\nllm: per-generation overhead without the model (typical page: prose, a fenced s-expression, a query, a component per row), ${N} runs`);
  for (const step of ["extract", "validate", "keep", "render", "total"]) {
    const xs = runs.map((r) => r[step]);
    console.log(`  ${step.padEnd(10)} p50 ${quantile(xs, 0.5).toFixed(2).padStart(6)} ms   p95 ${quantile(xs, 0.95).toFixed(2).padStart(6)} ms${step === "total" ? "   target p50 < 5 ms" : ""}`);
  }
  const builds = Array.from({ length: 5 }, () => buildGrammar());
  const { grammar, rules } = builds[0];
  console.log(`\nllm: catalog and grammar (${rules} rules, ${(grammar.length / 1024).toFixed(1)} KB), median of 5`);
  console.log(`  catalog from the registries   ${quantile(builds.map((b) => b.catalogMs), 0.5).toFixed(1).padStart(7)} ms`);
  console.log(`  GBNF from the catalog         ${quantile(builds.map((b) => b.grammarMs), 0.5).toFixed(1).padStart(7)} ms`);
  const llamaEntry = fileURLToPath(new URL("../dev/local-gguf/node_modules/node-llama-cpp/dist/index.js", import.meta.url));
  if (existsSync(llamaEntry)) {
    const { getLlama } = await import(pathToFileURL(llamaEntry).href);
    const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
    const times = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await llama.createGrammar({ grammar });
      times.push(performance.now() - t0);
    }
    console.log(`  llama.cpp parses it           ${quantile(times, 0.5).toFixed(1).padStart(7)} ms`);
    await llama.dispose();
  } else console.log("  llama.cpp parse: skipped (dev/local-gguf is not installed)");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
