/**
 * What the model is told: the system prompt teaches the language with
 * worked examples made from the catalog itself (a real query, a real
 * component), then gives the catalog; earlier approved generations can be
 * added as more worked examples. A follow-up prompt refines the current
 * s-expression; a repair prompt gives back the validator's problems, each
 * with its line, column and the line it is on.
 */
import { excerpt } from "../errors.ts";
import type { Catalog, CatalogComponent, CatalogQuery } from "./catalog.ts";
import { GRAMMAR_VARIABLES } from "./grammar.ts";

/** A request and the s-expression that answered it. */
export interface PromptExample {
  readonly prompt: string;
  readonly sexp: string;
}

/** The system prompt for a catalog, with few-shot examples after the worked ones. */
export function systemPrompt(catalog: Catalog, examples: readonly PromptExample[] = []): string {
  const [x, y, z] = GRAMMAR_VARIABLES;
  const worked = workedExamples(catalog);
  const parts = [
    "You write ONE s-expression that the site renders as part of a web page. Answer with the s-expression only: no prose, no code fence.",
    "",
    "The language:",
    '- (tag :attribute "value" ... children...) is an HTML element: (p :class "lead" "Hello"). Attributes come first, each at most once, then the children.',
    "- (~name :key value ... children...) calls one of the site's components.",
    "- (query service name :param value ...) reads from one of the site's named queries: rows (maps) for :returns :many, one row or nil for :one. (:field row) reads a field of a row.",
    `- (map (fn (${x}) ...) rows) makes one thing per row; (let ((${x} value)) body...) names a value; (if test then else), (when test body...), (<> a b ...) puts several things side by side.`,
    `- Name variables ${x}, then ${y} inside it, then ${z}.`,
    '- Strings are in double quotes ("\\"" for a quote inside); numbers, true, false and nil are written as themselves.',
    "- (primitive args...) calls a primitive of the catalog, e.g. (str \"a\" 1) or (format \"%d items\" n).",
    "",
    "Rules:",
    "- Use only the elements, attributes, components, queries and primitives of the catalog below.",
    "- Show data from queries: never write prices, dates, counts or other facts yourself.",
    "- No definitions (define, defcomp, defquery, ...), no raw!, no script or style elements, no event handlers (on...); links, forms and htmx requests stay on this site (paths starting with /).",
    "- One top-level form: put several things in an element or in (<> ...).",
  ];
  if (worked.length) parts.push("", "Worked examples:", ...worked.flatMap(exampleText));
  parts.push("", `The catalog (${catalog.hash}):`, catalog.text.trimEnd());
  if (examples.length) parts.push("", "Answers approved earlier:", ...examples.flatMap(exampleText));
  return parts.join("\n") + "\n";
}

/** The user message for a follow-up: the conversation's current s-expression and what to change. */
export function refinePrompt(current: string, request: string): string {
  return ["This is the current s-expression:", "", current.trim(), "", `Change it: ${request.trim()}`, "", "Answer with the whole new s-expression only."].join("\n");
}

/** The user message after a failed validation: each problem at its line and column, with the line it is on. */
export function repairPrompt(sexp: string, problems: readonly { readonly line: number; readonly col: number; readonly message: string }[]): string {
  const lines = [`Your s-expression has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:`, ""];
  for (const p of problems) {
    lines.push(`line ${p.line}, column ${p.col}: ${p.message}`);
    const shown = excerpt(sexp, { src: "", line: p.line, col: p.col });
    if (shown) lines.push(shown, "");
  }
  lines.push("", `Fix ${problems.length === 1 ? "it" : "them"} and answer with the whole corrected s-expression only.`);
  return lines.join("\n");
}

function exampleText(e: PromptExample): string[] {
  return ["", `Request: ${e.prompt.trim()}`, "Answer:", e.sexp.trim()];
}

// ---------------------------------------------------------------------------
// Worked examples, made from the catalog

/**
 * Up to three, each only when the catalog has what it needs: a list of a
 * query's rows, a component shown for each row of a query, and one row
 * read once and shown when it is there.
 */
export function workedExamples(catalog: Catalog): PromptExample[] {
  const [x] = GRAMMAR_VARIABLES;
  const has = (tag: string): boolean => catalog.elements.includes(tag);
  const form = (name: string): boolean => catalog.forms.includes(name);
  const map = catalog.primitives.some((p) => p.name === "map");
  const classed = catalog.attributes.some((a) => a.name === "class");
  const out: PromptExample[] = [];
  const listing = catalog.queries.find((q) => q.returns === "many" && shownField(q) !== null);
  if (listing && map && form("fn") && has("ul") && has("li")) {
    const field = shownField(listing)!;
    out.push({
      prompt: `a list of the ${field} of every row of ${listing.service}/${listing.name}${about(listing)}`,
      sexp: `(ul\n  (map (fn (${x}) (li (:${field} ${x})))\n    ${listing.example}))`,
    });
  }
  const cards = componentForRows(catalog);
  if (cards && map && form("fn") && has("div")) {
    const { component, key, query } = cards;
    out.push({
      prompt: `show ${query.service}/${query.name} with ${component.name}`,
      sexp: `(div${classed ? ' :class "grid"' : ""}\n  (map (fn (${x}) (${component.name} :${key} ${x}))\n    ${query.example}))`,
    });
  }
  const one = catalog.queries.find((q) => q.returns === "one" && shownField(q) !== null);
  if (one && form("let") && form("when")) {
    const title = shownField(one)!;
    const text = one.fields.find((f) => f.type === "text" && /description|summary|body|excerpt|content/.test(f.name))?.name;
    const [box, heading] = has("article") && has("h2") ? ["article", "h2"] : ["div", "p"];
    const body = text && has("p") ? `\n      (p (:${text} ${x}))` : "";
    out.push({
      prompt: `the ${title}${text ? ` and ${text}` : ""} of ${one.example}, if there is one`,
      sexp: `(let ((${x} ${one.example}))\n  (when ${x}\n    (${box}\n      (${heading} (:${title} ${x}))${body})))`,
    });
  }
  return out;
}

/** The field a row is best shown by: its title or name, else its first text field. */
function shownField(q: CatalogQuery): string | null {
  const names = q.fields.map((f) => f.name);
  return names.find((n) => n === "title") ?? names.find((n) => n === "name") ?? q.fields.find((f) => f.type === "text" && /^[a-z_][a-z0-9_-]*$/.test(f.name))?.name ?? null;
}

function about(q: CatalogQuery): string {
  const sentence = /^[^.]*/.exec(q.doc)?.[0].trim();
  return sentence ? ` (${sentence.charAt(0).toLowerCase()}${sentence.slice(1)})` : "";
}

/** A component with a key named for the rows of a :many query (`~product-card :product` and `market/products`). */
function componentForRows(catalog: Catalog): { component: CatalogComponent; key: string; query: CatalogQuery } | null {
  for (const query of catalog.queries) {
    if (query.returns !== "many") continue;
    for (const component of catalog.components) {
      const key = component.keys.find((k) => query.name === `${k.name}s` || query.name.endsWith(`-${k.name}s`));
      if (key) return { component, key: key.name, query };
    }
  }
  return null;
}
