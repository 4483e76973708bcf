/**
 * Shared by the generation tests: a small site (a registry with a `query`
 * primitive checked against declarations, as the vocabulary's is, and
 * primitives that read who is asking or write; components and queries of a
 * market), and GBNF tools written independently of grammar.ts: a reader of
 * the GBNF it writes, a random derivation (sampling) of strings from a
 * grammar, and a count of the derivations of a string (1 when unambiguous);
 * and llama.cpp's own GBNF parser, through the local-gguf sidecar's
 * node-llama-cpp, when it is installed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  basePrimitives,
  checkQueryArgs,
  createEnv,
  evaluateForms,
  parse,
  type CallCheck,
  type Env,
  type Loc,
  type Registry,
} from "../src/index.ts";

/** `(query svc name :k v ...)` checked as the vocabulary checks it (resolver.ts), in few words. */
const checkQuery: CallCheck = (args, call, scope) => {
  const [service, name, ...rest] = args;
  if (service?.kind !== "sym" || name?.kind !== "sym") return [{ message: "query: service and name are bare names", at: call }];
  const def = scope.query(service.value, name.value);
  if (!def) return [{ message: `unknown query ${service.value}/${name.value}`, at: call }];
  if (def.kind !== "query") return [{ message: `${service.value}/${name.value} is an action`, at: call }];
  const given: { name: string; value: (typeof args)[number]; at: Loc }[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i]!;
    if (key.kind !== "kw" || i + 1 >= rest.length) return [{ message: "query: arguments come as :name value pairs", at: key }];
    given.push({ name: key.value, value: rest[i + 1]!, at: key });
  }
  return checkQueryArgs(def, given, call);
};

export function testRegistry(): Registry {
  const r = basePrimitives.extend();
  r.defineIO({ name: "query", params: "service name &rest keys-and-values", doc: "Rows of a named query.", names: 2, check: checkQuery, fn: () => [] });
  r.defineIO({ name: "frag", params: "service type &rest keys-and-values", doc: "A fragment rendered by its service.", names: 2, fn: () => "" });
  r.defineIO({ name: "action", params: "service name &rest keys-and-values", doc: "Perform a named action.", names: 2, effect: "write", fn: () => null });
  r.defineIO({ name: "current-user", params: "", doc: "The signed-in user, or nil.", effect: "user", fn: () => null });
  r.defineIO({ name: "session-key", params: "", doc: "The session's key.", effect: "user", fn: () => null });
  r.defineIO({ name: "now", params: "", doc: "The time.", effect: "volatile", fn: () => "2026-01-01T00:00:00Z" });
  r.defineIO({ name: "sign-out", params: "", doc: "End the session.", effect: "write", fn: () => null });
  return r;
}

export const SITE_SOURCE = `
(defquery market products (&key (category nil) (sort "name"))
  "Products, optionally of one category."
  :params {:category :text :sort :text}
  :returns :many
  :shape {:id :int :slug :text :name :text :price_pence :int :stock :int :on_sale :bool}
  :example {:category "bakery"}
  :sql "SELECT * FROM products WHERE (:category::text IS NULL OR category = :category) ORDER BY :sort")
(defquery market product-by-slug (&key slug)
  "One product."
  :params {:slug :text}
  :returns :one
  :shape {:id :int :slug :text :name :text :description :text :price_pence :int}
  :example {:slug "sourdough"}
  :sql "SELECT * FROM products WHERE slug = :slug")
(defquery events upcoming (&key from (limit 10) (free false) (ratio 1.5))
  "Events from a time."
  :params {:from :timestamp :limit :int :free :bool :ratio :number}
  :returns :many
  :shape {:slug :text :title :text :starts_at :timestamp :capacity :int}
  :sql "SELECT * FROM events WHERE starts_at >= :from AND (:free OR true) AND :ratio > 0 LIMIT :limit")
(defquery account orders (&key user_id)
  "A user's orders."
  :params {:user_id :int}
  :returns :many
  :shape {:id :int :total_pence :int}
  :sql "SELECT * FROM orders WHERE user_id = :user_id")
(defaction cart add-item (&key product_id)
  :params {:product_id :int}
  :sql "INSERT INTO cart_items (product_id) VALUES (:product_id)")

(define (price pence) (format "£%.2f" (/ pence 100)))

(defcomp ~product-card "A product as a card." (&key product)
  (article :class "card"
    (h3 (a :href (str "/market/" (:slug product) "/") (:name product)))
    (span :class "price" (price (:price_pence product)))))

(defcomp ~page (&key title &rest content)
  (main (h1 title) content))

(defcomp ~picks (&key (count 3) (heading "Picks"))
  (div (h2 heading) (map (fn (p) (~product-card :product p)) (take count (query market products)))))

(defcomp ~cart-mini (&key user_id)
  (span "cart of " user_id))

(defcomp ~buy (&key product)
  (button (action cart add-item :product_id (:id product))))

(defcomp ~shell (&key title children)
  (div :class "shell" (h1 title) children))
`;

/** The test site: its registry and evaluated environment. */
export async function testSite(source = SITE_SOURCE): Promise<{ registry: Registry; env: Env }> {
  const registry = testRegistry();
  const env = createEnv(registry);
  await evaluateForms(parse(source, { src: "site.sexp" }), env);
  return { registry, env };
}

// ---------------------------------------------------------------------------
// GBNF, read independently of grammar.ts

export type Expr =
  | { readonly t: "lit"; readonly s: string }
  | { readonly t: "cls"; readonly neg: boolean; readonly ranges: readonly [number, number][] }
  | { readonly t: "ref"; readonly name: string }
  | { readonly t: "seq"; readonly items: readonly Expr[] }
  | { readonly t: "alt"; readonly alts: readonly Expr[] }
  | { readonly t: "rep"; readonly e: Expr; readonly min: number; readonly max: number };

export type Grammar = ReadonlyMap<string, Expr>;

/** Read GBNF as grammar.ts writes it: one rule per line, literals, classes, references, groups, `?` and `{m,n}`. */
export function readGbnf(text: string): Grammar {
  const rules = new Map<string, Expr>();
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const m = /^([a-zA-Z0-9-]+) ::= (.*)$/.exec(line);
    if (!m) throw new Error(`not a rule: ${line}`);
    const p = { s: m[2]!, i: 0 };
    const e = alternation(p);
    if (p.i !== p.s.length) throw new Error(`trailing text in rule ${m[1]}: ${p.s.slice(p.i)}`);
    rules.set(m[1]!, e);
  }
  return rules;
}

interface Cursor {
  s: string;
  i: number;
}

function skip(p: Cursor): void {
  while (p.s[p.i] === " ") p.i++;
}

function alternation(p: Cursor): Expr {
  const alts = [sequence(p)];
  skip(p);
  while (p.s[p.i] === "|") {
    p.i++;
    alts.push(sequence(p));
    skip(p);
  }
  return alts.length === 1 ? alts[0]! : { t: "alt", alts };
}

function sequence(p: Cursor): Expr {
  const items: Expr[] = [];
  for (;;) {
    skip(p);
    const c = p.s[p.i];
    let e: Expr;
    if (c === '"') {
      p.i++;
      let s = "";
      while (p.s[p.i] !== '"') s += char(p);
      p.i++;
      e = { t: "lit", s };
    } else if (c === "[") {
      p.i++;
      const neg = p.s[p.i] === "^";
      if (neg) p.i++;
      const ranges: [number, number][] = [];
      while (p.s[p.i] !== "]") {
        const lo = char(p).codePointAt(0)!;
        let hi = lo;
        if (p.s[p.i] === "-" && p.s[p.i + 1] !== "]") {
          p.i++;
          hi = char(p).codePointAt(0)!;
        }
        ranges.push([lo, hi]);
      }
      p.i++;
      e = { t: "cls", neg, ranges };
    } else if (c === "(") {
      p.i++;
      e = alternation(p);
      skip(p);
      if (p.s[p.i] !== ")") throw new Error(`expected ) at ${p.s.slice(p.i)}`);
      p.i++;
    } else if (c !== undefined && /[a-zA-Z0-9-]/.test(c)) {
      const m = /^[a-zA-Z0-9-]+/.exec(p.s.slice(p.i))!;
      p.i += m[0].length;
      e = { t: "ref", name: m[0] };
    } else break;
    const q = p.s[p.i];
    if (q === "?") {
      p.i++;
      e = { t: "rep", e, min: 0, max: 1 };
    } else if (q === "{") {
      const m = /^\{(\d+)(?:,(\d+))?\}/.exec(p.s.slice(p.i));
      if (!m) throw new Error(`unsupported repetition at ${p.s.slice(p.i, p.i + 10)}`);
      p.i += m[0].length;
      e = { t: "rep", e, min: Number(m[1]), max: Number(m[2] ?? m[1]) };
    } else if (q === "*" || q === "+") throw new Error(`unbounded ${q}`);
    items.push(e);
  }
  return items.length === 1 ? items[0]! : { t: "seq", items };
}

function char(p: Cursor): string {
  const c = p.s[p.i]!;
  if (c !== "\\") {
    const cp = p.s.codePointAt(p.i)!;
    p.i += cp > 0xffff ? 2 : 1;
    return String.fromCodePoint(cp);
  }
  const e = p.s[p.i + 1]!;
  p.i += 2;
  if (e === "n") return "\n";
  if (e === "t") return "\t";
  if (e === "r") return "\r";
  if (e === "x") {
    const h = p.s.slice(p.i, p.i + 2);
    p.i += 2;
    return String.fromCharCode(parseInt(h, 16));
  }
  return e;
}

/** A seeded random source (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters a negated class is sampled from: ASCII, and some that models write (accents, currency, dashes, emoji). */
const SAMPLE = [...Array(95)].map((_, i) => String.fromCharCode(32 + i)).concat(["é", "£", "€", "—", "’", "“", "ß", "🍞", "\n", "\t", "\\", '"']);

/**
 * One random string of the grammar from `start`. Repetitions are short
 * (mostly 0 to 2), so strings stay small; every alternative is as likely.
 */
export function derive(g: Grammar, rng: () => number, start = "root"): string {
  let out = "";
  const go = (e: Expr): void => {
    switch (e.t) {
      case "lit":
        out += e.s;
        return;
      case "cls": {
        const fits = (c: string) => {
          const cp = c.codePointAt(0)!;
          return e.ranges.some(([lo, hi]) => cp >= lo && cp <= hi) !== e.neg;
        };
        const pool = e.neg ? SAMPLE.filter(fits) : e.ranges.flatMap(([lo, hi]) => [...Array(Math.min(hi - lo + 1, 200))].map((_, k) => String.fromCodePoint(lo + k)));
        out += pool[Math.floor(rng() * pool.length)]!;
        return;
      }
      case "ref": {
        const r = g.get(e.name);
        if (!r) throw new Error(`undefined rule ${e.name}`);
        return go(r);
      }
      case "seq":
        for (const x of e.items) go(x);
        return;
      case "alt":
        return go(e.alts[Math.floor(rng() * e.alts.length)]!);
      case "rep": {
        let n = e.min;
        while (n < e.max && rng() < (e.max - e.min > 3 ? 0.45 : 0.5)) n++;
        for (let k = 0; k < n; k++) go(e.e);
      }
    }
  };
  go(g.get(start)!);
  return out;
}

/**
 * How many derivations `text` has from `start` (capped at 1000): 1 for a
 * string of an unambiguous grammar, 0 for one it does not derive.
 */
export function derivations(g: Grammar, text: string, start = "root"): number {
  const memo = new Map<Expr, Map<number, Map<number, number>>>();
  const add = (m: Map<number, number>, end: number, n: number) => m.set(end, Math.min(1000, (m.get(end) ?? 0) + n));
  const run = (e: Expr, pos: number): Map<number, number> => {
    let byPos = memo.get(e);
    if (!byPos) memo.set(e, (byPos = new Map()));
    const cached = byPos.get(pos);
    if (cached) return cached;
    const out = new Map<number, number>();
    switch (e.t) {
      case "lit":
        if (text.startsWith(e.s, pos)) out.set(pos + e.s.length, 1);
        break;
      case "cls": {
        const cp = text.codePointAt(pos);
        if (cp !== undefined && e.ranges.some(([lo, hi]) => cp >= lo && cp <= hi) !== e.neg) out.set(pos + (cp > 0xffff ? 2 : 1), 1);
        break;
      }
      case "ref":
        for (const [end, n] of run(g.get(e.name)!, pos)) add(out, end, n);
        break;
      case "seq": {
        let cur = new Map([[pos, 1]]);
        for (const item of e.items) {
          const next = new Map<number, number>();
          for (const [p, n] of cur) for (const [end, k] of run(item, p)) add(next, end, n * k);
          cur = next;
        }
        for (const [end, n] of cur) add(out, end, n);
        break;
      }
      case "alt":
        for (const a of e.alts) for (const [end, n] of run(a, pos)) add(out, end, n);
        break;
      case "rep": {
        let cur = new Map([[pos, 1]]);
        if (e.min === 0) add(out, pos, 1);
        for (let k = 1; k <= e.max && cur.size; k++) {
          const next = new Map<number, number>();
          for (const [p, n] of cur) for (const [end, j] of run(e.e, p)) add(next, end, n * j);
          cur = next;
          if (k >= e.min) for (const [end, n] of cur) add(out, end, n);
        }
      }
    }
    byPos.set(pos, out);
    return out;
  };
  return run(g.get(start)!, 0).get(text.length) ?? 0;
}

// ---------------------------------------------------------------------------
// llama.cpp

const llamaPath = fileURLToPath(new URL("../../dev/local-gguf/node_modules/node-llama-cpp/dist/index.js", import.meta.url));
/** node-llama-cpp of the local-gguf sidecar (dev/local-gguf/install.js), or null when it is not installed. */
export const LLAMA: string | null = existsSync(llamaPath) ? llamaPath : null;

/**
 * Each grammar parsed by llama.cpp's GBNF parser (node-llama-cpp, no model
 * needed), in a child process whose stderr (where llama.cpp says why it
 * refuses a grammar) is attached to each failure.
 */
export function compileWithLlama(grammars: Record<string, string>): Record<string, { ok: boolean; ms: number; error?: string }> {
  if (!LLAMA) throw new Error("node-llama-cpp is not installed in dev/local-gguf");
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
