/**
 * The fuzz test's worker (see fuzz.test.ts): runs inputs from fuzz-input.ts
 * through the whole package and reports what went wrong. It runs in a
 * worker thread so the test can stop it, and still name the input, if one
 * never finishes.
 */
import { parentPort, workerData } from "node:worker_threads";
import { check, type Problem } from "../src/check.ts";
import { compile } from "../src/compiler.ts";
import { SexpError } from "../src/errors.ts";
import { prettyForms } from "../src/pretty.ts";
import { print } from "../src/printer.ts";
import { createEnv, renderForms } from "../src/program.ts";
import { parse } from "../src/reader.ts";
import { Html, Keyword, nodesEqual, type Node, type Value } from "../src/types.ts";
import { fuzzInput } from "./fuzz-input.ts";

/** Host data the programs can use (fuzz-input.ts uses these names), hostile where it can be. */
const INJECTED = `<x-inj></x-inj>"onx=inj() '</script></style><!--`;
const GLOBALS: Record<string, Value> = {
  x: INJECTED,
  y: 3,
  z: [1, "two", Keyword.of("k"), null, [2.5]],
  items: [new Map<string, Value>([["a", 1], ["title", "</style>"]]), new Map<string, Value>([["a", "javascript:alert(1)"]])],
  acc: new Map<string, Value>([["a", [1, 2]], ["b", "js:alert(1)"]]),
  n: 2,
  item: Object.assign(Object.create(null), { a: "x\u2028", title: INJECTED }) as Value,
  a: "javascript:alert(1)",
  b: null,
  children: [new Html("<b>ok</b>"), "text"],
};

/** Small limits, so every input finishes quickly. */
const LIMITS = { maxSteps: 20_000, maxDepth: 64, maxOutput: 64 * 1024 };
/** An input that takes longer than this, twice, is reported: with these limits something is far from linear. */
const SLOW_MS = 1_000;

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return `${e.name}: ${e.message}\n${(e.stack ?? "").split("\n").slice(1, 8).join("\n")}`;
}

/**
 * What is wrong with an error a stage threw: anything but a SexpError, a
 * SexpError that wraps an internal error (a primitive's TypeError, say), or
 * a position outside the text.
 */
function unexpected(stage: string, e: unknown, text: string): string | null {
  if (!(e instanceof SexpError)) return `${stage} threw ${describe(e)}`;
  const cause = (e as { cause?: unknown }).cause;
  if (cause !== undefined && !(cause instanceof SexpError)) return `${stage}: an internal error became a ${e.name}: ${describe(cause)}`;
  if (e.loc && e.loc.src === "fuzz" && !(e.loc.line >= 1 && e.loc.col >= 1 && e.loc.line <= lineCount(text))) {
    return `${stage}: ${e.name} at ${e.loc.line}:${e.loc.col}, outside the text (${lineCount(text)} lines): ${e.message}`;
  }
  return null;
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function sameForms(a: readonly Node[], b: readonly Node[]): boolean {
  return a.length === b.length && a.every((f, i) => nodesEqual(f, b[i]!));
}

/** Parse, check, print and read back, render: what went wrong with `text`, or null. */
export function fuzzOne(text: string): string | null {
  let forms: Node[];
  try {
    forms = parse(text, { src: "fuzz" });
  } catch (e) {
    return unexpected("parse", e, text);
  }
  let problems: Problem[];
  try {
    problems = check(forms, { globals: Object.keys(GLOBALS) });
  } catch (e) {
    // The checker reports problems; it has no reason to throw at all.
    return `check threw ${describe(e)}`;
  }
  try {
    const printed = forms.map(print).join("\n");
    if (!sameForms(parse(printed, { src: "printed" }), forms)) return `the canonical print reads back as another tree:\n${printed}`;
    const pretty = prettyForms(forms);
    if (!sameForms(parse(pretty, { src: "pretty" }), forms)) return `the pretty print reads back as another tree:\n${pretty}`;
  } catch (e) {
    return `print and read back: ${describe(e)}`;
  }
  try {
    const env = createEnv();
    for (const [k, v] of Object.entries(GLOBALS)) env.define(k, v);
    const out = renderForms(forms, env, { limits: LIMITS });
    if (typeof out !== "string") return "rendering went async without any I/O";
    if (out.length > LIMITS.maxOutput) return `rendered ${out.length} characters, over the output limit`;
    // Data is never markup: only raw! may put it into the page as it is.
    if (!text.includes("raw!") && /<x-inj|(?<!\\)"onx=|<\/script><\/style>/i.test(out)) return `data became markup:\n${out}`;
  } catch (e) {
    const wrong = unexpected("render", e, text);
    if (wrong) return wrong;
  }
  if (problems.length === 0) {
    // The checker finds every mistake the compiler would: none here, so none there.
    for (const f of forms) {
      try {
        compile(f, null);
      } catch (e) {
        if (!(e instanceof SexpError)) return `compile threw ${describe(e)}`;
        return `check found no problem, but compiling says ${e.text}`;
      }
    }
  }
  return null;
}

function timed(text: string): number {
  const t0 = performance.now();
  fuzzOne(text);
  return performance.now() - t0;
}

export interface FuzzFailure {
  readonly index: number;
  readonly text: string;
  readonly problem: string;
}

export interface FuzzReport {
  readonly done: number;
  readonly ms: number;
  readonly failures: FuzzFailure[];
}

/**
 * Inputs `from`, `from + stride`, ... below `to`; `progress[slot]` holds the
 * one being run. Stops after a few failures.
 */
export function fuzzRange(seed: number, from: number, to: number, stride: number, progress: Int32Array, slot: number): FuzzReport {
  const failures: FuzzFailure[] = [];
  const start = performance.now();
  let done = 0;
  // Most inputs throw (read errors, unknown symbols): stack traces are most of the cost of that.
  const traces = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  for (let i = from; i < to && failures.length < 5; i += stride) {
    Atomics.store(progress, slot, i);
    const text = fuzzInput(seed, i);
    const t0 = performance.now();
    const problem = fuzzOne(text);
    const ms = performance.now() - t0;
    if (problem) {
      // Again, with the stack of whatever went wrong.
      Error.stackTraceLimit = traces;
      failures.push({ index: i, text, problem: fuzzOne(text) ?? problem });
      Error.stackTraceLimit = 0;
    }
    // Slow twice running, so a pause of the machine's is not reported.
    else if (ms > SLOW_MS && timed(text) > SLOW_MS) failures.push({ index: i, text, problem: `took ${Math.round(ms)} ms within ${LIMITS.maxSteps} steps` });
    done++;
  }
  Error.stackTraceLimit = traces;
  return { done, ms: performance.now() - start, failures };
}

if (parentPort && workerData?.fuzz) {
  const { seed, from, to, stride, progress, slot } = workerData.fuzz as {
    seed: number;
    from: number;
    to: number;
    stride: number;
    progress: Int32Array;
    slot: number;
  };
  parentPort.postMessage(fuzzRange(seed, from, to, stride, progress, slot));
}
