#!/usr/bin/env node
// @ts-check
/**
 * `npm run llm:eval`: the evaluation set (dev/llm/eval-set.json) against a
 * site's LLM endpoint, `POST /llm` with `{"prompt"}`, and a score. Per prompt:
 *
 *   valid             200: a valid s-expression came (within the repair rounds)
 *   queries           it uses the expected queries: `(query <service> <name>` in its text
 *   components        it uses the expected components: `(~name`
 *   no invented data  no warnings (literal prices, dates or counts where a query has them)
 *   renders           the rendered html is not empty and shows the expected text
 *
 * The site is EVAL_URL when set (a running `npm run dev`); otherwise the
 * stack is started here (dev/stack.js, free ports, a fresh in-memory
 * database) with the model settings of this environment (LLM_BASE_URL,
 * LLM_MODEL, LLM_API_KEY, LLM_GRAMMAR, LOCAL_GGUF, ...), so
 *
 *   LOCAL_GGUF=model.gguf npm run llm:eval
 *   LLM_BASE_URL=http://127.0.0.1:8080/v1 LLM_MODEL=qwen2.5-coder npm run llm:eval -- --limit 10
 *   EVAL_URL=http://127.0.0.1:8787 npm run llm:eval -- --json eval.json
 *
 * It is a measurement: it exits 0 whatever the score, 1 only when the site
 * could not be reached (or started). Options: --limit N (the first N
 * prompts), --json FILE (the results), --set FILE (another evaluation set).
 * EVAL_TIMEOUT_MS bounds one prompt (default 300000: small local models are slow).
 */
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import net from "node:net";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

/** @typedef {{ queries: string[], components: string[], text?: string[] }} Expect */
/** @typedef {{ prompt: string, expect: Expect }} EvalItem */
/**
 * @typedef {object} EvalResult
 * @property {string} prompt
 * @property {number} status HTTP status; 0 when the site could not be reached
 * @property {boolean} valid
 * @property {boolean} queries
 * @property {boolean} components
 * @property {boolean} noInventedData
 * @property {boolean} renders
 * @property {number | null} repairs repairs made on the way (null when it did not answer 200)
 * @property {boolean} cached
 * @property {number} ms
 * @property {{ queries: string[], components: string[], text: string[] }} missing
 * @property {string[]} warnings
 * @property {string | null} error what went wrong, in a line
 * @property {string | null} sexp
 * @property {string | null} model
 */

export const EVAL_SET = fileURLToPath(new URL("./eval-set.json", import.meta.url));
/** The checks each prompt gets. */
export const CHECKS = /** @type {const} */ (["valid", "queries", "components", "noInventedData", "renders"]);

/**
 * The evaluation set: `{"prompts": [...]}` or a bare list, checked.
 * @param {string} [file]
 * @returns {EvalItem[]}
 */
export function loadEvalSet(file = EVAL_SET) {
  const json = JSON.parse(readFileSync(file, "utf8"));
  const list = Array.isArray(json) ? json : json?.prompts;
  if (!Array.isArray(list)) throw new Error(`${file}: a list of {prompt, expect}, or {"prompts": [...]}`);
  const strings = (/** @type {unknown} */ v) => Array.isArray(v) && v.every((s) => typeof s === "string");
  return list.map((item, i) => {
    const at = `${file}: prompt ${i}`;
    if (!item || typeof item.prompt !== "string" || !item.prompt.trim()) throw new Error(`${at}: prompt is a non-empty string`);
    const e = item.expect ?? {};
    for (const k of ["queries", "components"]) if (e[k] !== undefined && !strings(e[k])) throw new Error(`${at}: expect.${k} is a list of strings`);
    if (e.text !== undefined && !strings(e.text)) throw new Error(`${at}: expect.text is a list of strings`);
    return { prompt: item.prompt, expect: { queries: e.queries ?? [], components: e.components ?? [], ...(e.text ? { text: e.text } : {}) } };
  });
}

/** The queries an s-expression runs, as `service/name`. @param {string} sexp */
export function queriesOf(sexp) {
  return [...new Set([...sexp.matchAll(/\(\s*query\s+([A-Za-z][\w-]*)\s+([A-Za-z][\w-]*)/g)].map((m) => `${m[1]}/${m[2]}`))];
}

/** The components an s-expression calls. @param {string} sexp */
export function componentsOf(sexp) {
  return [...new Set([...sexp.matchAll(/\(\s*(~[A-Za-z][\w-]*)/g)].map((m) => /** @type {string} */ (m[1])))];
}

/** Expected names missing from those used; an expected `a|b` is met by either. @param {readonly string[]} expected @param {readonly string[]} used */
function missingOf(expected, used) {
  return expected.filter((e) => !e.split("|").some((alt) => used.includes(alt.trim())));
}

const ENTITIES = /** @type {Record<string, string>} */ ({
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", pound: "£", euro: "€", copy: "©", middot: "·", hellip: "…",
  mdash: "—", ndash: "–", lsquo: "‘", rsquo: "’", ldquo: "“", rdquo: "”", rsaquo: "›", lsaquo: "‹", raquo: "»", laquo: "«",
});

/**
 * What rendered html reads as: tags dropped, entities decoded, whitespace
 * collapsed. Two readings: tags as nothing (text split across inline
 * elements) and tags as spaces (text of neighbouring blocks).
 * @param {string} html
 * @returns {[string, string]}
 */
export function readableText(html) {
  const decode = (/** @type {string} */ s) =>
    s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name) =>
      name[0] === "#" ? String.fromCodePoint(parseInt(name.slice(name[1] === "x" || name[1] === "X" ? 2 : 1), name[1] === "x" || name[1] === "X" ? 16 : 10)) : (ENTITIES[name.toLowerCase()] ?? whole),
    );
  const body = html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, " ");
  return [decode(body.replace(/<[^>]*>/g, "")).replace(/\s+/g, " ").trim(), decode(body.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim()];
}

/**
 * One prompt's answer, judged.
 * @param {EvalItem} item
 * @param {{ status: number, body: unknown, ms: number, error?: string }} answer
 * @returns {EvalResult}
 */
export function judge(item, { status, body, ms, error }) {
  const b = /** @type {Record<string, unknown>} */ (body && typeof body === "object" ? body : {});
  const sexp = typeof b.sexp === "string" ? b.sexp : null;
  /** @type {EvalResult} */
  const result = {
    prompt: item.prompt,
    status,
    valid: false,
    queries: false,
    components: false,
    noInventedData: false,
    renders: false,
    repairs: null,
    cached: b.cached === true,
    ms,
    missing: { queries: item.expect.queries, components: item.expect.components, text: item.expect.text ?? [] },
    warnings: [],
    error: null,
    sexp,
    model: typeof b.model === "string" ? b.model : null,
  };
  if (status !== 200 || sexp === null) {
    const errors = Array.isArray(b.errors) ? b.errors : [];
    const first = /** @type {{ line?: number, col?: number, message?: string } | undefined} */ (errors[0]);
    const detail = first ? ` (${first.line}:${first.col} ${first.message}${errors.length > 1 ? `, and ${errors.length - 1} more` : ""})` : "";
    result.error = error ?? `${status || "no answer"}: ${typeof b.error === "string" ? b.error : "no s-expression in the answer"}${detail}`;
    return result;
  }
  const html = typeof b.html === "string" ? b.html : "";
  const [joined, spaced] = readableText(html);
  const warnings = Array.isArray(b.warnings) ? b.warnings : [];
  result.valid = true;
  result.repairs = Array.isArray(b.repairs) ? b.repairs.length : 0;
  result.missing = {
    queries: missingOf(item.expect.queries, queriesOf(sexp)),
    components: missingOf(item.expect.components, componentsOf(sexp)),
    text: (item.expect.text ?? []).filter((t) => !joined.includes(t) && !spaced.includes(t)),
  };
  result.queries = result.missing.queries.length === 0;
  result.components = result.missing.components.length === 0;
  result.warnings = warnings.map((w) => (w && typeof w === "object" ? `${w.line}:${w.col} ${w.message}` : String(w)));
  result.noInventedData = warnings.length === 0;
  result.renders = joined.length > 0 && result.missing.text.length === 0;
  return result;
}

/**
 * Ask the site for one prompt: `POST /llm`, JSON both ways. A 429 with
 * Retry-After (the rate limit) is waited out, a few times.
 * @param {string} site the site's origin
 * @param {string} prompt
 * @param {{ timeoutMs?: number, retries?: number }} [options]
 * @returns {Promise<{ status: number, body: unknown, ms: number, error?: string }>}
 */
export async function ask(site, prompt, { timeoutMs = 300_000, retries = 3 } = {}) {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(`${site}/llm`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ prompt }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const name = /** @type {{ name?: string }} */ (e).name;
      const ms = Math.round(performance.now() - started);
      const cause = /** @type {{ cause?: { message?: string } }} */ (e).cause?.message;
      return { status: 0, body: null, ms, error: name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : `the site could not be reached: ${cause ?? (e instanceof Error ? e.message : String(e))}` };
    }
    const retryAfter = Number(response.headers.get("retry-after"));
    if (response.status === 429 && retryAfter > 0 && attempt < retries) {
      await response.arrayBuffer().catch(() => {});
      await new Promise((r) => setTimeout(r, Math.min(retryAfter, 60) * 1000));
      continue;
    }
    const text = await response.text().catch(() => "");
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {
      return { status: response.status, body: null, ms: Math.round(performance.now() - started), error: `${response.status}: not JSON: ${text.replace(/\s+/g, " ").slice(0, 120)}` };
    }
    return { status: response.status, body, ms: Math.round(performance.now() - started) };
  }
}

/**
 * Every prompt, one after another.
 * @param {{ url: string, items: readonly EvalItem[], timeoutMs?: number, onResult?: (r: EvalResult, i: number) => void }} options
 * @returns {Promise<EvalResult[]>}
 */
export async function runEval({ url, items, timeoutMs, onResult }) {
  const site = url.replace(/\/+$/, "").replace(/\/llm$/, "");
  /** @type {EvalResult[]} */
  const results = [];
  for (const [i, item] of items.entries()) {
    const result = judge(item, await ask(site, item.prompt, { timeoutMs }));
    results.push(result);
    onResult?.(result, i);
  }
  return results;
}

/** @param {readonly EvalResult[]} results */
export function score(results) {
  const total = results.length * CHECKS.length;
  const passed = results.reduce((n, r) => n + CHECKS.filter((c) => r[c]).length, 0);
  /** @type {Record<string, number>} */
  const byCheck = Object.fromEntries(CHECKS.map((c) => [c, results.filter((r) => r[c]).length]));
  return { passed, total, prompts: results.length, fullyPassed: results.filter((r) => CHECKS.every((c) => r[c])).length, byCheck };
}

/** The results as a table, then the score and what failed. @param {readonly EvalResult[]} results */
export function report(results) {
  const mark = (/** @type {boolean} */ ok) => (ok ? "✓" : "✗");
  const cut = (/** @type {string} */ s, /** @type {number} */ n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const head = ["#", "prompt", "valid", "queries", "components", "no invented data", "renders", "repairs", "ms"];
  const rows = results.map((r, i) => [
    String(i + 1),
    cut(r.prompt, 56),
    r.status === 200 ? mark(true) : `✗ ${r.status || "–"}`,
    mark(r.queries),
    mark(r.components),
    mark(r.noInventedData),
    mark(r.renders),
    r.repairs === null ? "–" : String(r.repairs),
    `${r.ms}${r.cached ? " (cached)" : ""}`,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => [...(row[c] ?? "")].length)));
  const line = (/** @type {string[]} */ cells) => cells.map((cell, c) => (c === 1 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ").trimEnd();
  const s = score(results);
  const pct = (/** @type {number} */ n, /** @type {number} */ d) => (d ? `${((100 * n) / d).toFixed(1)}%` : "–");
  const out = [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), ""];
  out.push(`Score: ${s.passed}/${s.total} checks passed (${pct(s.passed, s.total)}); ${s.fullyPassed}/${s.prompts} prompts passed every check (${pct(s.fullyPassed, s.prompts)}).`);
  out.push(`  ${CHECKS.map((c) => `${c === "noInventedData" ? "no invented data" : c} ${s.byCheck[c]}/${s.prompts}`).join(" · ")}`);
  const ms = results.filter((r) => r.status === 200 && !r.cached).map((r) => r.ms).sort((a, b) => a - b);
  if (ms.length) out.push(`  answered (not cached) in ${ms[Math.floor(ms.length / 2)]} ms at the median, ${ms.at(-1)} ms at most`);
  const failed = results.map((r, i) => ({ r, i })).filter(({ r }) => !CHECKS.every((c) => r[c]));
  if (failed.length) {
    out.push("", "What failed:");
    for (const { r, i } of failed) {
      const why = r.status !== 200
        ? [r.error ?? `${r.status}`]
        : [
            r.missing.queries.length ? `no query ${r.missing.queries.join(", ")}` : "",
            r.missing.components.length ? `no component ${r.missing.components.join(", ")}` : "",
            r.warnings.length ? `invented data: ${r.warnings.slice(0, 2).join("; ")}${r.warnings.length > 2 ? "; ..." : ""}` : "",
            r.missing.text.length ? `does not show ${r.missing.text.map((t) => JSON.stringify(t)).join(", ")}` : "",
            r.renders || r.missing.text.length ? "" : "rendered nothing",
          ].filter(Boolean);
      out.push(`  ${i + 1}. ${cut(r.prompt, 60)}: ${why.join("; ")}`);
    }
  }
  return out.join("\n");
}

/**
 * The model settings of an environment as the router's variables (the stack's
 * `npm run dev` also inherits the environment itself, and gives them, with
 * LOCAL_GGUF's sidecar, to the LLM Worker). The API key stays out of the
 * command line: it reaches the LLM Worker through the environment.
 * @param {NodeJS.ProcessEnv} env
 */
export function modelVars(env) {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const [k, v] of Object.entries(env)) if ((k.startsWith("LLM_") || k === "LOCAL_GGUF") && k !== "LLM_API_KEY" && v) vars[k] = v;
  // Every prompt comes from this one address: the per-minute limit is not what is measured.
  vars.LLM_RATE_LIMIT = env.LLM_RATE_LIMIT || "100000";
  return vars;
}

/** A port nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** @param {string[]} argv */
function readOptions(argv) {
  const { values } = parseArgs({ args: argv, options: { limit: { type: "string" }, json: { type: "string" }, set: { type: "string" } } });
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (limit !== Infinity && !(Number.isInteger(limit) && limit >= 1)) throw new Error("--limit is a whole number of prompts, 1 or more");
  return { limit, json: values.json ?? null, set: values.set ?? EVAL_SET };
}

/** @param {string[]} argv @returns {Promise<number>} the exit status */
export async function main(argv) {
  const options = readOptions(argv);
  const items = loadEvalSet(options.set).slice(0, options.limit);
  const timeoutMs = Number(process.env.EVAL_TIMEOUT_MS) > 0 ? Number(process.env.EVAL_TIMEOUT_MS) : 300_000;
  /** @type {Awaited<ReturnType<typeof import("../stack.js").startStack>> | null} */
  let stack = null;
  let url = process.env.EVAL_URL?.replace(/\/+$/, "").replace(/\/llm$/, "");
  const stop = async () => {
    await stack?.stop();
    stack = null;
  };
  const interrupted = () => void stop().then(() => process.exit(130));
  process.on("SIGINT", interrupted);
  try {
    if (!url) {
      const { startStack } = await import("../stack.js");
      const [port, dbPort] = [await freePort(), await freePort()];
      process.stdout.write(`Starting the site (npm run dev on port ${port}) ...\n`);
      try {
        stack = await startStack({ port, dbPort, vars: modelVars(process.env), timeoutMs: 180_000 });
      } catch (e) {
        // The stack's own output can be long (a failed build): its end says why.
        const lines = (e instanceof Error ? e.message : String(e)).split("\n");
        console.error(`The site did not start: ${lines.length > 40 ? ["...", ...lines.slice(-40)].join("\n") : lines.join("\n")}`);
        return 1;
      }
      url = stack.url;
      const model = /^\s*model\s+(.+)$/m.exec(stack.output())?.[1];
      if (model) process.stdout.write(`  model  ${model}\n`);
    }
    const up = await fetch(`${url}/_health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status < 500, () => false);
    if (!up) {
      console.error(`The site at ${url} could not be reached (GET /_health). Is npm run dev running there?`);
      return 1;
    }
    process.stdout.write(`Evaluating ${items.length} prompt${items.length === 1 ? "" : "s"} against ${url}/llm\n\n`);
    const results = await runEval({
      url,
      items,
      timeoutMs,
      onResult: (r, i) => process.stdout.write(`  ${String(i + 1).padStart(3)}/${items.length}  ${r.status || "—"}  ${r.ms} ms  ${r.prompt.slice(0, 70)}\n`),
    });
    if (results.length && results.every((r) => r.status === 0)) {
      console.error(`\nThe site stopped answering: ${results[0]?.error}`);
      return 1;
    }
    const noModel = results.find((r) => r.status === 503);
    process.stdout.write(`\n${report(results)}\n`);
    if (noModel) process.stdout.write(`\nNote: ${noModel.error}\n`);
    if (options.json) {
      const model = results.find((r) => r.model)?.model ?? null;
      writeFileSync(options.json, JSON.stringify({ url, model, at: new Date().toISOString(), score: score(results), results }, null, 2) + "\n");
      process.stdout.write(`\nResults written to ${options.json}\n`);
    }
    return 0;
  } finally {
    process.off("SIGINT", interrupted);
    await stop();
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
