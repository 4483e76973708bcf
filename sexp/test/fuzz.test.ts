/**
 * Fuzzing the whole package: random programs, mutated programs and token
 * soup (fuzz-input.ts) go through parse -> check -> canonical and pretty
 * print -> parse again (the same tree) -> render on a small budget, with
 * hostile host data (fuzz-worker.ts). Only the package's own SexpError may
 * come out, and only when it does not wrap an internal error; that data
 * becomes markup (without raw!), that the compiler refuses what the checker
 * passed, an input that never finishes, or one that takes seconds: each is
 * a failure that prints the seed and the input.
 *
 * The normal run: 20,000 inputs from seed 1. Longer runs, on every core:
 *
 *   npm run fuzz                                   # 1,000,000 inputs, a random seed
 *   FUZZ_INPUTS=5000000 FUZZ_SEED=42 npm run fuzz  # any count and seed
 *   FUZZ_SEED=42 FUZZ_FROM=1234 FUZZ_INPUTS=1 npx vitest run --project node sexp/test/fuzz.test.ts   # one input again
 *
 * (FUZZ_WORKERS sets the number of worker threads; npm run fuzz uses all cores.)
 */
import { build } from "esbuild";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { fuzzInput } from "./fuzz-input.ts";
import type { FuzzReport } from "./fuzz-worker.ts";

const env = process.env;
const INPUTS = Number(env.FUZZ_INPUTS ?? 20_000);
const SEED = env.FUZZ_SEED === undefined ? 1 : env.FUZZ_SEED === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(env.FUZZ_SEED);
const FROM = Number(env.FUZZ_FROM ?? 0);
const WORKERS = Math.max(1, env.FUZZ_WORKERS === "all" ? availableParallelism() : Number(env.FUZZ_WORKERS ?? 1));
/** No progress for this long is a hang. */
const HANG_MS = 30_000;

/** The worker's code: fuzz-worker.ts and the package, bundled (a worker thread cannot load TypeScript). */
async function workerCode(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./fuzz-worker.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "cjs",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

type Outcome = FuzzReport | { stopped: number; why: string };

/** Run every worker; a worker that stops making progress is ended and its input named. */
async function runWorkers(code: string): Promise<Outcome[]> {
  const progress = new Int32Array(new SharedArrayBuffer(4 * WORKERS)).fill(-1);
  return Promise.all(
    Array.from({ length: WORKERS }, (_, slot) => {
      const worker = new Worker(code, {
        eval: true,
        workerData: { fuzz: { seed: SEED, from: FROM + slot, to: FROM + INPUTS, stride: WORKERS, progress, slot } },
        // An input that allocates without end is stopped here, not by the machine.
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
      });
      return new Promise<Outcome>((resolve) => {
        let last = -2;
        let since = Date.now();
        const timer = setInterval(() => {
          const i = Atomics.load(progress, slot);
          if (i !== last) {
            last = i;
            since = Date.now();
          } else if (Date.now() - since > HANG_MS) {
            clearInterval(timer);
            void worker.terminate();
            resolve({ stopped: i, why: `no progress for ${HANG_MS / 1000} s` });
          }
        }, 250);
        worker.once("message", (report: FuzzReport) => {
          clearInterval(timer);
          resolve(report);
        });
        worker.once("error", (e) => {
          // Out of memory, or a crash outside any input's try.
          clearInterval(timer);
          resolve({ stopped: Atomics.load(progress, slot), why: `the worker died: ${e.message}` });
        });
      });
    }),
  );
}

function failureText(index: number, text: string, problem: string): string {
  const shown = JSON.stringify(text.length > 4000 ? text.slice(0, 2000) : text) + (text.length > 4000 ? ` ... (${text.length} characters; run it again to see all)` : "");
  return [
    `seed ${SEED}, input #${index}: ${problem}`,
    `input: ${shown}`,
    `again: FUZZ_SEED=${SEED} FUZZ_FROM=${index} FUZZ_INPUTS=1 npx vitest run --project node sexp/test/fuzz.test.ts`,
  ].join("\n");
}

describe("fuzz", () => {
  it(`${INPUTS} inputs from seed ${SEED}: only SexpErrors, print/read identity, every input finishes`, { timeout: 60_000 + INPUTS * 5 }, async () => {
    const outcomes = await runWorkers(await workerCode());
    const failures: string[] = [];
    let done = 0;
    let ms = 0;
    for (const o of outcomes) {
      if ("stopped" in o) failures.push(failureText(o.stopped, fuzzInput(SEED, o.stopped), o.why));
      else {
        done += o.done;
        ms = Math.max(ms, o.ms);
        for (const f of o.failures) failures.push(failureText(f.index, f.text, f.problem));
      }
    }
    if (env.FUZZ_INPUTS) console.log(`fuzz: ${done} inputs in ${(ms / 1000).toFixed(1)} s on ${WORKERS} worker(s), ${Math.round(done / (ms / 1000))} inputs/s`);
    if (failures.length) expect.fail(`${failures.length} fuzz failure(s)\n\n${failures.join("\n\n")}`);
    expect(done).toBe(INPUTS);
  });
});
