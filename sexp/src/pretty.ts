/**
 * The pretty-printer: the canonical form laid out for people. A form that
 * fits in the width stays on one line; otherwise definitions and binding
 * forms keep their head line and indent their body by two, elements keep
 * leading attributes on the head line and put children below. It only
 * changes whitespace: `parse(pretty(x))` equals `x`.
 */
import { print } from "./printer.ts";
import type { ListNode, MapNode, Node } from "./types.ts";

export interface PrettyOptions {
  /** Target line width. */
  width?: number;
}

/** Pretty-print top-level forms, separated by blank lines. */
export function prettyForms(forms: readonly Node[], options: PrettyOptions = {}): string {
  return forms.map((f) => pretty(f, options)).join("\n\n") + (forms.length ? "\n" : "");
}

export function pretty(n: Node, options: PrettyOptions = {}): string {
  return layout(n, 0, { width: options.width ?? 80, flat: new Map() });
}

/** One pretty-printing job: the width, and each node's one-line text (deep forms are asked for it at every level). */
interface Job {
  readonly width: number;
  readonly flat: Map<Node, string>;
}

/** The canonical one-line text of `n` (as `print` gives it), built from its items' once each. */
function flat(job: Job, n: Node): string {
  let s = job.flat.get(n);
  if (s !== undefined) return s;
  if (n.kind === "list" && n.value.length === 2 && n.value[0]!.kind === "sym" && n.value[0]!.value === "quote") s = "'" + flat(job, n.value[1]!);
  else if (n.kind === "list") s = "(" + joined(n.value.map((x) => flat(job, x)), " ") + ")";
  else if (n.kind === "map") s = "{" + joined(n.value.map((x) => flat(job, x)), " ") + "}";
  else s = print(n);
  job.flat.set(n, s);
  return s;
}

/** Forms whose first `n` arguments stay on the head line, the rest being a body. */
const HEAD_ARGS = new Map<string, number>(Object.entries({
  define: 1, defcomp: 2, defroute: 1, lambda: 1, fn: 1, let: 1, when: 1, unless: 1, do: 0, cond: 0,
}));

function layout(n: Node, indent: number, job: Job): string {
  const text = flat(job, n);
  if (indent + text.length <= job.width || (n.kind !== "list" && n.kind !== "map")) return text;
  if (n.kind === "map") return layoutMap(n, indent, job);
  return layoutList(n, indent, job);
}

function layoutMap(n: MapNode, indent: number, job: Job): string {
  const inner = indent + 1;
  const lines: string[] = [];
  for (let i = 0; i < n.value.length; i += 2) {
    const key = flat(job, n.value[i]!);
    lines.push(key + " " + layout(n.value[i + 1]!, inner + key.length + 1, job));
  }
  return "{" + joined(lines, "\n" + " ".repeat(inner)) + "}";
}

function layoutList(n: ListNode, indent: number, job: Job): string {
  const items = n.value;
  if (items.length === 0) return "()";
  const head = items[0]!;
  if (items.length === 2 && head.kind === "sym" && head.value === "quote") return "'" + layout(items[1]!, indent + 1, job);
  if (head.kind !== "sym" && head.kind !== "kw") {
    // Data list: one item per line, aligned after the parenthesis.
    return "(" + joined(items.map((x) => layout(x, indent + 1, job)), "\n" + " ".repeat(indent + 1)) + ")";
  }
  const name = head.value;
  const body = indent + 2;
  const pad = "\n" + " ".repeat(body);
  let line = "(" + flat(job, head);
  let i = 1;
  if (name === "let" && items[1]?.kind === "list") {
    // (let ((a 1)
    //       (b 2))
    //   body)
    const col = indent + 6;
    const binds = items[1].value.map((b) => layout(b, col, job));
    line += " (" + joined(binds, "\n" + " ".repeat(col)) + ")";
    i = 2;
  } else if (HEAD_ARGS.has(name)) {
    // Names and parameter lists stay whole on the head line.
    for (const stop = 1 + HEAD_ARGS.get(name)!; i < stop && i < items.length; i++) {
      const x = items[i]!;
      line += " " + (x.kind === "list" && name !== "when" && name !== "unless" ? flat(job, x) : layout(x, indent + line.length + 1, job));
    }
  } else if (name === "if") {
    // (if test
    //     then
    //     else) — branches line up under the test.
    const col = indent + 4;
    return "(if " + joined(items.slice(1).map((x) => layout(x, col, job)), "\n" + " ".repeat(col)) + ")";
  } else {
    // Calls, elements, components: leading keyword/value pairs join the head line while they fit.
    while (i + 1 < items.length && items[i]!.kind === "kw") {
      const pair = flat(job, items[i]!) + " " + flat(job, items[i + 1]!);
      if (indent + line.length + 1 + pair.length > job.width) break;
      line += " " + pair;
      i += 2;
    }
  }
  const rest: string[] = [];
  for (; i < items.length; i++) {
    const x = items[i]!;
    if (x.kind === "kw" && i + 1 < items.length) {
      // Keep `:key value` together; a list that does not fit after the key goes under it.
      // (Each value is laid out once: trying both places at every level is exponential.)
      const key = flat(job, x);
      const value = items[++i]!;
      const under = value.kind === "list" && body + key.length + 1 + flat(job, value).length > job.width;
      rest.push(under ? key + pad + "  " + layout(value, body + 2, job) : key + " " + layout(value, body + key.length + 1, job));
    } else rest.push(layout(x, body, job));
  }
  return line + (rest.length ? pad + joined(rest, pad) : "") + ")";
}

/**
 * `xs.join(sep)` by concatenation: the engine keeps the pieces as they are
 * and copies once at the end, where `join` would copy every level's text
 * again (deep forms made that cubic).
 */
function joined(xs: readonly string[], sep: string): string {
  let s = xs[0] ?? "";
  for (let i = 1; i < xs.length; i++) s = s + sep + xs[i]!;
  return s;
}
