/**
 * From Jinja to s-expressions: a Nunjucks template turned into an
 * s-expression draft that renders the same HTML with the same data.
 *
 * The template is read by Nunjucks' own parser. Its markup is then read as a
 * browser reads it (parse5), each template construct standing in it as a
 * marker — a comment, which stays where it is even inside a table — so the
 * draft is made of elements, not of strings of HTML: `<a href="/p/{{ slug
 * }}">{{ title | upper }}</a>` becomes `(a :href (str "/p/" (str slug))
 * (upper (str title)))`. A block (`if`, `for`) must hold whole elements; one
 * that opens an element another block closes cannot be converted. A whole
 * page (a doctype or `<html>` first) is read as a document.
 *
 * Converted, with Jinja's meaning kept (what the drafts are tested against):
 * - output `{{ x }}`: text (`str`, so true prints "true" and nothing prints
 *   nothing); filters escape/e (the renderer escapes), safe (`raw!`),
 *   upper, lower, trim, default (also with its second argument), length,
 *   join, and the app's own filters by the functions given for them;
 *   operators ~ + - * / % == != < > <= >= and/or/not, `x if c else d`;
 *   `.attr`, `["key"]`, `[0]` and `.length` look-ups;
 * - if / elif / else, with Jinja's truth ("" and 0 are false: `truthy?`);
 *   also in an attribute value, and between a tag's attributes when its
 *   branches are attributes (`<li{% if on %} class="on"{% endif %}>`);
 * - for, with loop.index, index0, first, last, length, revindex, revindex0,
 *   and else;
 * - set (at the top of its block: a `let` around the block);
 * - include (the included template, converted in place: it shares the
 *   context, as Jinja's does), and `from "t.njk" import m` (its macros);
 * - macro (a `defcomp`, its name with `_` as `-`), calls of it with
 *   positional or keyword arguments, and call blocks (`caller()` is the
 *   component's children);
 * - raw, whitespace control (Nunjucks' parser applies both).
 * Anything else is left in the draft as its template text, in a string, and
 * reported with its position.
 */
import { parse as parseDocument, parseFragment, type DefaultTreeAdapterTypes as T } from "parse5";
import { printNumber, printString } from "@rose-ash/sexp";
import { child, childrenOf, errorPosition, parseTemplate, type NjNode } from "./nunjucks-ast.ts";

export interface ConvertProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface Converted {
  /** The s-expression draft: the definitions it needs, then what the template renders. */
  readonly source: string;
  /** What could not be converted, in template order; none when everything was. */
  readonly problems: ConvertProblem[];
}

export interface ConvertOptions {
  /** The text of an included template by the name the template gives it; null when there is none. */
  readonly include?: (name: string) => string | null;
  /**
   * The app's own filters, each by the s-expression function that does the
   * same (`{ fixed2: "fixed2" }`: `x | fixed2(1)` becomes `(fixed2 x 1)`):
   * what the app gives Nunjucks with addFilter, the draft's library defines.
   */
  readonly filters?: Readonly<Record<string, string>>;
}

/** Jinja's truth where a value is tested: nil, false, "" and 0 are false (everything else true, as in the template). */
export const TRUTHY_DEFINITION = '(define (truthy? x) (not (or (= x nil) (= x false) (= x "") (= x 0))))';

/** Convert a template. Never throws for what the template says: a syntax error is a problem at its position. */
export function convertTemplate(template: string, options: ConvertOptions = {}): Converted {
  const c = new Converter(options);
  let root: NjNode;
  try {
    root = parseTemplate(template);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = errorPosition(e) ?? { line: 1, col: 1 };
    return { source: "", problems: [{ ...at, message: `the template does not read: ${message}` }] };
  }
  const body = c.content(childrenOf(root), template);
  const forms = [...(c.usesTruthy ? [TRUTHY_DEFINITION] : []), ...c.definitions, ...body];
  return { source: forms.join("\n"), problems: c.problems.sort((a, b) => a.line - b.line || a.col - b.col) };
}

/** What a hole's marker looks like in the markup: a comment, so it stays where it is written. */
const MARK = (n: number) => `<!--\uE000${n}\uE001-->`;
const MARK_IN_TEXT = /<!--\uE000(\d+)\uE001-->/g;
const MARK_COMMENT = /^\uE000(\d+)\uE001$/;

/** Attribute names a keyword can carry. */
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** A construct's marker between a tag's attributes, made an attribute of its own (markAttributes) so it keeps its place. */
const ATTRIBUTE_MARK = /^data-njk-(\d+)$/;

/**
 * Markers standing inside a start tag but outside any attribute value become
 * attributes (`data-njk-N`), which parse5 keeps in place; the others stay
 * comments.
 */
function markAttributes(html: string): string {
  let out = "";
  let i = 0;
  while (i < html.length) {
    const open = /<[a-zA-Z]/.exec(html.slice(i));
    if (!open) break;
    const start = i + open.index;
    out += html.slice(i, start);
    // Inside the tag up to its '>', quotes respected.
    let j = start;
    let quote: string | null = null;
    let tag = "";
    for (; j < html.length; j++) {
      const c = html[j]!;
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ">") break;
      if (!quote && html.startsWith("<!--\uE000", j) && j > start) {
        const end = html.indexOf("\uE001-->", j);
        const n = html.slice(j + 5, end);
        tag += ` data-njk-${n} `;
        j = end + 3; // the loop's step lands after the marker
        continue;
      }
      tag += c;
    }
    out += tag;
    i = j;
  }
  return out + html.slice(i);
}

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

interface Loop {
  /** The variable holding the item's index. */
  readonly index: string;
  /** The expression of the list iterated (a name). */
  readonly list: string;
}

class Converter {
  readonly problems: ConvertProblem[] = [];
  readonly definitions: string[] = [];
  usesTruthy = false;
  private readonly macros = new Map<string, string[]>();
  private readonly loops: Loop[] = [];
  /** In a macro's body: `caller()` is its children. */
  private inMacro = false;
  private usesCaller = false;
  /** The template text being converted (for leaving what cannot be converted as it was written). */
  private text = "";

  constructor(private readonly options: ConvertOptions) {}

  /** Items in content (the children of an element, or the top level): markup and template constructs. */
  content(nodes: NjNode[], text = this.text): string[] {
    const saved = this.text;
    this.text = text;
    try {
      // Definitions first, wherever they stand: macros are hoisted (as Jinja does for calls after them).
      const kept: NjNode[] = [];
      for (const n of nodes) {
        if (n.typename === "Macro") this.macro(n);
        else if (n.typename === "FromImport") this.fromImport(n);
        else kept.push(n);
      }
      const { sets, rest } = this.leadingSets(kept);
      const items = this.markup(rest);
      if (!sets.length) return items;
      return [`(let (${sets.join(" ")}) ${items.length === 1 ? items[0] : `(<> ${items.join(" ")})`})`];
    } finally {
      this.text = saved;
    }
  }

  /** The `set`s of a block, bound around all of it (each in order: a later one may use an earlier). */
  private leadingSets(nodes: NjNode[]): { sets: string[]; rest: NjNode[] } {
    const sets: string[] = [];
    const rest: NjNode[] = [];
    for (const n of nodes) {
      if (n.typename !== "Set") {
        rest.push(n);
        continue;
      }
      const targets = (n.targets as NjNode[]) ?? [];
      const value = child(n, "value");
      if (targets.length !== 1 || !value) {
        this.problem(n, "a set of several names, or a block set ({% set x %}...{% endset %})");
        continue;
      }
      sets.push(`(${String(targets[0]!.value)} ${this.expr(value)})`);
    }
    return { sets, rest };
  }

  /** Markup with template constructs in it, read as a browser reads it: the items it renders. */
  private markup(nodes: NjNode[]): string[] {
    const holes: NjNode[] = [];
    let html = "";
    for (const n of nodes) {
      if (n.typename === "Output") {
        for (const part of childrenOf(n)) {
          if (part.typename === "TemplateData") html += String(part.value);
          else html += MARK(holes.push(part) - 1);
        }
      } else html += MARK(holes.push(n) - 1);
    }
    const open = unbalanced(html.replace(MARK_IN_TEXT, ""));
    if (open) {
      this.problem(nodes[0] ?? null, `the markup of this block is not whole elements (${open}): an element opened in one block and closed in another cannot be converted`);
      return [printString(this.sourceOf(nodes))];
    }
    const placed = new Set<number>();
    // A whole document (a page's template): read as one, so html, head and body are kept.
    const marked = markAttributes(html);
    const tree = /^\s*(<!doctype[^>]*>\s*)?<html[\s>]/i.test(marked) ? parseDocument(marked).childNodes.filter((n) => n.nodeName !== "#documentType") : parseFragment(marked).childNodes;
    const items = this.children(tree, holes, placed);
    holes.forEach((h, i) => {
      if (!placed.has(i)) this.problem(h, "this stands where no element, text or attribute value can hold it (in a comment, or a tag's name)");
    });
    return items;
  }

  /**
   * A construct between a tag's attributes — `<li{% if on %} class="on"{% endif %}>` —
   * as the attributes it gives: each `:name (if cond value other)`, where the
   * branch that does not give it gives nil (no attribute). Only if / elif /
   * else whose branches are attributes (with output in their values).
   */
  private conditionalAttributes(n: NjNode): string[] | null {
    if (n.typename !== "If") return null;
    const branches: { cond: string | null; attrs: Map<string, string> }[] = [];
    for (let at: NjNode | null = n; at; ) {
      const attrs = this.attributesOf(child(at, "body"));
      if (!attrs) return null;
      branches.push({ cond: this.test(child(at, "cond")!), attrs });
      const next: NjNode | null = child(at, "else_");
      if (next && next.typename !== "If") {
        const last = this.attributesOf(next);
        if (!last) return null;
        branches.push({ cond: null, attrs: last });
        break;
      }
      at = next;
    }
    const names = [...new Set(branches.flatMap((b) => [...b.attrs.keys()]))];
    return names.map((name) => {
      let value = "nil";
      for (const b of [...branches].reverse()) {
        const v = b.attrs.get(name) ?? "nil";
        value = b.cond === null || v === value ? v : `(if ${b.cond} ${v} ${value})`;
      }
      return `:${name} ${value}`;
    });
  }

  /** A branch's attributes (name -> value expression), or null where it holds anything else. */
  private attributesOf(body: NjNode | null): Map<string, string> | null {
    const holes: NjNode[] = [];
    let html = "";
    for (const n of childrenOf(body)) {
      if (n.typename !== "Output") return null;
      for (const part of childrenOf(n)) {
        if (part.typename === "TemplateData") html += String(part.value);
        else if (isExpression(part)) html += MARK(holes.push(part) - 1);
        else return null;
      }
    }
    const el = parseFragment(`<x ${html}>`).childNodes[0];
    if (!el || !("attrs" in el)) return null;
    const placed = new Set<number>();
    const attrs = new Map<string, string>();
    for (const a of (el as T.Element).attrs) {
      if (!ATTRIBUTE_NAME.test(a.name)) return null;
      attrs.set(a.name, this.attributeValue(a.value, holes, placed));
    }
    return placed.size === holes.length ? attrs : null;
  }

  private children(nodes: readonly T.ChildNode[], holes: NjNode[], placed: Set<number>): string[] {
    const out: string[] = [];
    nodes.forEach((n, i) => {
      if (n.nodeName === "#text") {
        const value = (n as T.TextNode).value;
        // Whitespace alone is layout, except between two constructs, where it separates what they print.
        if (value.trim() === "") {
          if (isMark(nodes[i - 1]) && isMark(nodes[i + 1])) out.push('" "');
          return;
        }
        out.push(...this.textWithMarks(value, holes, placed, true));
      } else if (n.nodeName === "#comment") {
        const m = MARK_COMMENT.exec((n as T.CommentNode).data);
        if (!m) return; // the template's own comments are not the page
        const hole = Number(m[1]);
        placed.add(hole);
        out.push(...this.construct(holes[hole]!));
      } else if ("tagName" in n) {
        out.push(this.element(n as T.Element, holes, placed));
      }
    });
    return out;
  }

  private element(el: T.Element, holes: NjNode[], placed: Set<number>): string {
    const attrs: string[] = [];
    for (const a of el.attrs) {
      const name = a.prefix ? `${a.prefix}:${a.name}` : a.name;
      const between = ATTRIBUTE_MARK.exec(name);
      if (between) {
        const i = Number(between[1]);
        placed.add(i);
        const given = this.conditionalAttributes(holes[i]!);
        if (given) attrs.push(...given);
        else this.problem(holes[i]!, "only an if whose branches are attributes can stand between a tag's attributes");
        continue;
      }
      if (/<!--|\uE000/.test(name)) continue; // reported as not placed
      if (!ATTRIBUTE_NAME.test(name)) {
        this.problem(null, `the attribute name ${JSON.stringify(name)} (in <${el.tagName}>) cannot be written as a keyword`);
        continue;
      }
      attrs.push(`:${name} ${this.attributeValue(a.value, holes, placed)}`);
    }
    const content = el.tagName === "template" ? (el as T.Template).content.childNodes : el.childNodes;
    const kids = this.children(content, holes, placed);
    return `(${el.tagName}${attrs.map((a) => " " + a).join("")}${kids.map((k) => " " + k).join("")})`;
  }

  /** An attribute's value: a string, or `(str ...)` of its text and what the template puts in it. */
  private attributeValue(value: string, holes: NjNode[], placed: Set<number>): string {
    const parts = this.textWithMarks(value, holes, placed, false);
    if (parts.length === 0) return '""';
    // One part is text already (a string, or what asText gives).
    return parts.length === 1 ? parts[0]! : `(str ${parts.join(" ")})`;
  }

  /** Text with markers in it: its strings, and each construct (in content, as content; in an attribute, as text). */
  private textWithMarks(text: string, holes: NjNode[], placed: Set<number>, inContent: boolean): string[] {
    const out: string[] = [];
    let at = 0;
    for (const m of text.matchAll(MARK_IN_TEXT)) {
      if (m.index! > at) out.push(...this.literalText(text.slice(at, m.index), inContent));
      const i = Number(m[1]);
      placed.add(i);
      const hole = holes[i]!;
      out.push(...(inContent ? this.construct(hole) : [this.asText(hole)]));
      at = m.index! + m[0].length;
    }
    if (at < text.length) out.push(...this.literalText(text.slice(at), inContent));
    return out;
  }

  /** Text as written in the template; in content, a run of whitespace is one space (the page is the same, normalized). */
  private literalText(text: string, inContent: boolean): string[] {
    return [printString(inContent ? text.replace(/\s+/g, " ") : text)];
  }

  /** A construct where content goes: output, if, for, include. */
  private construct(n: NjNode): string[] {
    switch (n.typename) {
      case "If":
        return [this.ifBlock(n, (body) => this.block(body))];
      case "For":
        return [this.forBlock(n)];
      case "Include":
        return this.include(n);
      case "Set":
        this.problem(n, "a set after the start of its block's markup: put it before the block's first element");
        return [];
      default:
        if (isExpression(n)) return [this.output(n)];
        this.problem(n, `${describeNode(n)} cannot be converted`);
        return [printString(this.sourceOf([n]))];
    }
  }

  /** A block's body in content: one item. */
  private block(body: NjNode | null): string {
    const items = this.content(childrenOf(body));
    return items.length === 0 ? "nil" : items.length === 1 ? items[0]! : `(<> ${items.join(" ")})`;
  }

  /** A construct inside an attribute value: an expression giving text. */
  private asText(n: NjNode): string {
    if (n.typename === "If") return this.ifBlock(n, (body) => this.textBlock(body), '""');
    if (isExpression(n)) return this.text_(n);
    this.problem(n, `${describeNode(n)} inside an attribute value cannot be converted (only output and if)`);
    return printString(this.sourceOf([n]));
  }

  /** A block inside an attribute value: its text. */
  private textBlock(body: NjNode | null): string {
    const parts: string[] = [];
    for (const n of childrenOf(body)) {
      if (n.typename === "Output") for (const p of childrenOf(n)) parts.push(p.typename === "TemplateData" ? printString(String(p.value)) : this.asText(p));
      else parts.push(this.asText(n));
    }
    return parts.length === 0 ? '""' : parts.length === 1 ? parts[0]! : `(str ${parts.join(" ")})`;
  }

  /** An if / elif / else chain; `otherwise` is what no branch gives (nothing in content; "" in an attribute, which stays). */
  private ifBlock(n: NjNode, body: (b: NjNode | null) => string, otherwise?: string): string {
    const cond = this.test(child(n, "cond")!);
    const yes = body(child(n, "body"));
    const no = child(n, "else_");
    if (!no) return otherwise === undefined ? `(if ${cond} ${yes})` : `(if ${cond} ${yes} ${otherwise})`;
    return `(if ${cond} ${yes} ${no.typename === "If" ? this.ifBlock(no, body, otherwise) : body(no)})`;
  }

  private forBlock(n: NjNode): string {
    const name = child(n, "name");
    if (name?.typename !== "Symbol") {
      this.problem(n, "a for loop over pairs (for a, b in ...) cannot be converted");
      return printString(this.sourceOf([n]));
    }
    // Hyphenated: a template's own names never are, so these shadow none of them.
    const depth = this.loops.length + 1;
    const list = depth === 1 ? "loop-items" : `loop-items-${depth}`;
    const index = depth === 1 ? "loop-i" : `loop-i-${depth}`;
    this.loops.push({ index, list });
    let body: string;
    try {
      body = this.block(child(n, "body"));
    } finally {
      this.loops.pop();
    }
    const loop = `(map-indexed (fn (${index} ${String(name.value)}) ${body}) ${list})`;
    const otherwise = child(n, "else_");
    const inner = otherwise ? `(if (empty? ${list}) ${this.block(otherwise)} ${loop})` : loop;
    return `(let ((${list} ${this.expr(child(n, "arr")!)})) ${inner})`;
  }

  private include(n: NjNode): string[] {
    const root = this.included(n);
    if (!root) return [printString(this.sourceOf([n]))];
    return this.content(childrenOf(root), this.options.include?.(String(child(n, "template")?.value)) ?? "");
  }

  /** `{% from "t.njk" import a, b %}`: those macros of the other template, made components here. */
  private fromImport(n: NjNode): void {
    const root = this.included(n);
    if (!root) return;
    const wanted = new Set<string>();
    for (const name of childrenOf(child(n, "names"))) {
      if (name.typename === "Symbol") wanted.add(String(name.value));
      else this.problem(name, "an import under another name (as) cannot be converted");
    }
    const text = this.options.include?.(String(child(n, "template")?.value)) ?? "";
    const saved = this.text;
    this.text = text;
    try {
      for (const m of childrenOf(root)) {
        if (m.typename === "Macro" && wanted.delete(String(child(m, "name")?.value))) this.macro(m);
      }
    } finally {
      this.text = saved;
    }
    for (const name of wanted) this.problem(n, `${String(child(n, "template")?.value)} has no macro ${name}`);
  }

  /** The template an include or import names, read; null (reported) where it cannot be. */
  private included(n: NjNode): NjNode | null {
    const template = child(n, "template");
    const name = template?.typename === "Literal" && typeof template.value === "string" ? template.value : null;
    const text = name === null ? null : (this.options.include?.(name) ?? null);
    if (name === null || text === null) {
      this.problem(n, name === null ? "a template named by an expression" : `the template ${name} could not be read`);
      return null;
    }
    try {
      return parseTemplate(text);
    } catch (e) {
      this.problem(n, `the template ${name} does not read: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  private macro(n: NjNode): void {
    const name = String(child(n, "name")?.value ?? "");
    const params: string[] = [];
    const defaults: string[] = [];
    for (const a of childrenOf(child(n, "args"))) {
      if (a.typename === "Symbol") {
        params.push(String(a.value));
        defaults.push(String(a.value));
      } else if (a.typename === "KeywordArgs") {
        for (const pair of childrenOf(a)) {
          const key = String(child(pair, "key")?.value);
          params.push(key);
          defaults.push(`(${key} ${this.expr(child(pair, "value")!)})`);
        }
      }
    }
    this.macros.set(name, params);
    const [wasIn, wasCaller] = [this.inMacro, this.usesCaller];
    this.inMacro = true;
    this.usesCaller = false;
    const body = this.block(child(n, "body"));
    const rest = this.usesCaller ? " &rest children" : "";
    [this.inMacro, this.usesCaller] = [wasIn, wasCaller];
    this.definitions.push(`(defcomp ${componentName(name)} (&key ${defaults.join(" ")}${rest}) ${body})`);
  }

  /** Output: the value as the template prints it (text), or the markup a macro or `safe` gives. */
  private output(n: NjNode): string {
    if (n.typename === "FunCall") return this.call(n);
    if (n.typename === "Filter" && filterName(n) === "safe") return `(raw! ${this.text_(filterArgs(n)[0]!)})`;
    return this.text_(n);
  }

  /** An expression as the text the template prints for it. */
  private text_(n: NjNode): string {
    if (n.typename === "Literal" && typeof n.value === "string") return printString(n.value);
    if (n.typename === "FunCall") return this.call(n);
    const e = this.expr(n);
    return givesText(n) ? e : `(str ${e})`;
  }

  /** A test (if's condition): Jinja's truth. */
  private test(n: NjNode): string {
    if (isBoolean(n) || this.isLoopTest(n)) return this.expr(n);
    this.usesTruthy = true;
    return `(truthy? ${this.expr(n)})`;
  }

  /** loop.first and loop.last, which are true or false. */
  private isLoopTest(n: NjNode): boolean {
    const target = child(n, "target");
    const key = child(n, "val");
    return n.typename === "LookupVal" && this.loops.length > 0 && target?.value === "loop" && (key?.value === "first" || key?.value === "last");
  }

  private call(n: NjNode): string {
    const callee = child(n, "name");
    const name = callee?.typename === "Symbol" ? String(callee.value) : null;
    if (name === "caller" && this.inMacro) {
      this.usesCaller = true;
      return "children";
    }
    const params = name === null ? undefined : this.macros.get(name);
    if (name === null || params === undefined) {
      this.problem(n, `a call of ${name ?? "an expression"}, which is not a macro of this template`);
      return printString(this.sourceOf([n]));
    }
    const args: string[] = [];
    let children = "";
    let position = 0;
    for (const a of childrenOf(child(n, "args"))) {
      if (a.typename === "KeywordArgs") {
        for (const pair of childrenOf(a)) {
          const key = String(child(pair, "key")?.value);
          const value = child(pair, "value")!;
          if (key === "caller" && value.typename === "Caller") children = " " + this.block(child(value, "body"));
          else args.push(`:${key} ${this.expr(value)}`);
        }
      } else {
        const param = params[position++];
        if (param === undefined) {
          this.problem(a, `${name} takes ${params.length} arguments`);
          continue;
        }
        args.push(`:${param} ${this.expr(a)}`);
      }
    }
    return `(${componentName(name)}${args.map((a) => " " + a).join("")}${children})`;
  }

  /** An expression's value. */
  expr(n: NjNode): string {
    switch (n.typename) {
      case "Literal":
        return literal(n.value);
      case "Symbol":
        return this.symbol(n);
      case "Group":
        return this.expr(childrenOf(n)[0]!);
      case "Array":
        return `(list${childrenOf(n).map((c) => " " + this.expr(c)).join("")})`;
      case "Dict":
        return `{${childrenOf(n).map((p) => `${printString(String(child(p, "key")?.value))} ${this.expr(child(p, "value")!)}`).join(" ")}}`;
      case "LookupVal":
        return this.lookup(n);
      case "Filter":
        return this.filter(n);
      case "FunCall":
        return this.call(n);
      case "InlineIf": {
        const otherwise = child(n, "else_");
        return `(if ${this.test(child(n, "cond")!)} ${this.expr(child(n, "body")!)} ${otherwise ? this.expr(otherwise) : "nil"})`;
      }
      case "Not":
        return `(not ${this.test(child(n, "target")!)})`;
      case "And":
      case "Or":
        return this.logical(n);
      case "Compare":
        return this.compare(n);
      case "Concat":
        return `(str ${this.text_(child(n, "left")!)} ${this.text_(child(n, "right")!)})`;
      case "Add":
      case "Sub":
      case "Mul":
      case "Div":
      case "Mod": {
        const op = { Add: "+", Sub: "-", Mul: "*", Div: "/", Mod: "mod" }[n.typename];
        return `(${op} ${this.expr(child(n, "left")!)} ${this.expr(child(n, "right")!)})`;
      }
      case "Neg":
        return `(- ${this.expr(child(n, "target")!)})`;
      default:
        this.problem(n, `${describeNode(n)} cannot be converted`);
        return "nil";
    }
  }

  private symbol(n: NjNode): string {
    const name = String(n.value);
    if (name === "loop" && this.loops.length) {
      this.problem(n, "loop on its own (use loop.index, loop.first, ...)");
      return "nil";
    }
    if (name === "true" || name === "True") return "true";
    if (name === "false" || name === "False") return "false";
    if (name === "none" || name === "None") return "nil";
    return name;
  }

  private lookup(n: NjNode): string {
    const target = child(n, "target")!;
    const key = child(n, "val")!;
    const loop = this.loops[this.loops.length - 1];
    if (loop && target.typename === "Symbol" && target.value === "loop" && key.typename === "Literal") {
      const { index, list } = loop;
      switch (key.value) {
        case "index":
          return `(+ ${index} 1)`;
        case "index0":
          return index;
        case "first":
          return `(= ${index} 0)`;
        case "last":
          return `(= ${index} (- (count ${list}) 1))`;
        case "length":
          return `(count ${list})`;
        case "revindex":
          return `(- (count ${list}) ${index})`;
        case "revindex0":
          return `(- (count ${list}) ${index} 1)`;
      }
      this.problem(n, `loop.${String(key.value)} cannot be converted`);
      return "nil";
    }
    const subject = this.expr(target);
    // A list's or a string's length (Nunjucks runs on JavaScript values).
    if (key.typename === "Literal" && key.value === "length") return `(count ${subject})`;
    if (key.typename === "Literal" && typeof key.value === "string") {
      return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key.value) ? `(:${key.value} ${subject})` : `(get ${subject} ${printString(key.value)})`;
    }
    if (key.typename === "Literal" && typeof key.value === "number") return `(nth ${subject} ${printNumber(key.value)})`;
    return `(get ${subject} ${this.expr(key)})`;
  }

  private filter(n: NjNode): string {
    const name = filterName(n);
    const [subject, ...args] = filterArgs(n);
    const x = subject ? this.expr(subject) : "nil";
    switch (name) {
      case "escape":
      case "e":
        // The renderer escapes all text: the filter is already done.
        return subject ? this.text_(subject) : '""';
      case "upper":
      case "lower":
      case "trim":
        return `(${name} ${subject ? this.text_(subject) : '""'})`;
      case "length":
        return `(count ${x})`;
      case "join": {
        const sep = args[0] ? this.text_(args[0]) : '""';
        return `(join ${sep} ${x})`;
      }
      case "default": {
        const fallback = args[0] ? this.expr(args[0]) : '""';
        // default(d): only where the value is missing; default(d, true): wherever it is false.
        if (args[1] && isTrue(args[1])) {
          this.usesTruthy = true;
          return `(if (truthy? ${x}) ${x} ${fallback})`;
        }
        return `(if (= ${x} nil) ${fallback} ${x})`;
      }
      case "safe":
        return `(raw! ${subject ? this.text_(subject) : '""'})`;
    }
    const own = this.options.filters?.[name];
    if (own) return `(${own} ${[x, ...args.map((a) => this.expr(a))].join(" ")})`;
    this.problem(n, `the filter ${name} cannot be converted (an app's own filter can be given the function that does the same: --filter ${name}=FUNCTION)`);
    return x;
  }

  private logical(n: NjNode): string {
    const left = this.expr(child(n, "left")!);
    const right = this.expr(child(n, "right")!);
    this.usesTruthy = true;
    // Jinja's and/or give one of their operands, as it is.
    return n.typename === "Or" ? `(if (truthy? ${left}) ${left} ${right})` : `(if (truthy? ${left}) ${right} ${left})`;
  }

  private compare(n: NjNode): string {
    let left = this.expr(child(n, "expr")!);
    const tests: string[] = [];
    for (const op of (n.ops as NjNode[]) ?? []) {
      const right = this.expr(child(op, "expr")!);
      const fn = { "==": "=", "===": "=", "!=": "not=", "!==": "not=", "<": "<", ">": ">", "<=": "<=", ">=": ">=" }[String(op.type)];
      if (!fn) {
        this.problem(op, `the comparison ${String(op.type)} cannot be converted`);
        return "nil";
      }
      tests.push(`(${fn} ${left} ${right})`);
      left = right;
    }
    return tests.length === 1 ? tests[0]! : `(and ${tests.join(" ")})`;
  }

  private problem(n: NjNode | null, message: string): void {
    const line = n && Number.isFinite(n.lineno) ? n.lineno + 1 : 1;
    const col = n && Number.isFinite(n.colno) ? n.colno + 1 : 1;
    this.problems.push({ line, col, message });
  }

  /** The template text of nodes, as written (for the draft: what was not converted, visible where it was). */
  private sourceOf(nodes: NjNode[]): string {
    const first = nodes[0];
    if (!first) return "";
    const lines = this.text.split("\n");
    return (lines[first.lineno] ?? "").slice(Math.max(0, first.colno - 3)).trim();
  }
}

/** A construct's marker (a comment the converter put in the markup). */
function isMark(n: T.ChildNode | undefined): boolean {
  return n?.nodeName === "#comment" && MARK_COMMENT.test((n as T.CommentNode).data);
}

function componentName(macro: string): string {
  return "~" + macro.replace(/_/g, "-");
}

function literal(v: unknown): string {
  if (typeof v === "string") return printString(v);
  if (typeof v === "number") return printNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return "nil";
}

function filterName(n: NjNode): string {
  return String(child(n, "name")?.value ?? "");
}

function filterArgs(n: NjNode): NjNode[] {
  return childrenOf(child(n, "args"));
}

function isTrue(n: NjNode): boolean {
  return (n.typename === "Literal" && n.value === true) || (n.typename === "Symbol" && (n.value === "true" || n.value === "True"));
}

/** Expressions whose value is already text (what `str` would leave as it is). */
function givesText(n: NjNode): boolean {
  if (n.typename === "Literal") return typeof n.value === "string";
  if (n.typename === "Concat") return true;
  if (n.typename === "Filter") return ["escape", "e", "upper", "lower", "trim", "join"].includes(filterName(n));
  return false;
}

/** Expressions whose value is true or false (tested as they are). */
function isBoolean(n: NjNode): boolean {
  return n.typename === "Compare" || n.typename === "Not" || (n.typename === "Literal" && typeof n.value === "boolean");
}

const EXPRESSIONS = new Set(["Literal", "Symbol", "Group", "Array", "Dict", "LookupVal", "Filter", "FunCall", "InlineIf", "Not", "And", "Or", "Compare", "Concat", "Add", "Sub", "Mul", "Div", "Mod", "Neg"]);

function isExpression(n: NjNode): boolean {
  return EXPRESSIONS.has(n.typename);
}

function describeNode(n: NjNode): string {
  const names: Record<string, string> = {
    Extends: "extends",
    Block: "a block",
    Import: "an import",
    FromImport: "an import",
    FilterAsync: "an async filter",
    CallExtension: "an extension's tag",
    Is: "a test (is ...)",
    In: "in",
    Capture: "a block set",
    Switch: "switch",
  };
  return names[n.typename] ?? `${n.typename}`;
}

/** Where markup is not whole elements: the first element left open or closed without being opened; null when it is whole. */
export function unbalanced(html: string): string | null {
  const open: string[] = [];
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, "");
  for (const m of withoutComments.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b(?:[^>"']|"[^"]*"|'[^']*')*?(\/?)>/g)) {
    const [, closing, rawName, selfClosing] = m;
    const name = rawName!.toLowerCase();
    if (VOID.has(name) || selfClosing) continue;
    if (!closing) open.push(name);
    else if (open[open.length - 1] === name) open.pop();
    else return `</${name}> closes what it did not open`;
  }
  return open.length ? `<${open[open.length - 1]}> is not closed` : null;
}
