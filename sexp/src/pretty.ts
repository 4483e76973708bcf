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
  return layout(n, 0, options.width ?? 80);
}

/** Forms whose first `n` arguments stay on the head line, the rest being a body. */
const HEAD_ARGS = new Map<string, number>(Object.entries({
  define: 1, defcomp: 2, defroute: 1, lambda: 1, fn: 1, let: 1, when: 1, unless: 1, do: 0, cond: 0,
}));

function layout(n: Node, indent: number, width: number): string {
  const flat = print(n);
  if (indent + flat.length <= width || (n.kind !== "list" && n.kind !== "map")) return flat;
  if (n.kind === "map") return layoutMap(n, indent, width);
  return layoutList(n, indent, width);
}

function layoutMap(n: MapNode, indent: number, width: number): string {
  const inner = indent + 1;
  const lines: string[] = [];
  for (let i = 0; i < n.value.length; i += 2) {
    const key = print(n.value[i]!);
    lines.push(key + " " + layout(n.value[i + 1]!, inner + key.length + 1, width));
  }
  return "{" + lines.join("\n" + " ".repeat(inner)) + "}";
}

function layoutList(n: ListNode, indent: number, width: number): string {
  const items = n.value;
  const head = items[0]!;
  if (items.length === 2 && head.kind === "sym" && head.value === "quote") return "'" + layout(items[1]!, indent + 1, width);
  if (head.kind !== "sym" && head.kind !== "kw") {
    // Data list: one item per line, aligned after the parenthesis.
    return "(" + items.map((x) => layout(x, indent + 1, width)).join("\n" + " ".repeat(indent + 1)) + ")";
  }
  const name = head.value;
  const body = indent + 2;
  const pad = "\n" + " ".repeat(body);
  let line = "(" + print(head);
  let i = 1;
  if (name === "let" && items[1]?.kind === "list") {
    // (let ((a 1)
    //       (b 2))
    //   body)
    const col = indent + 6;
    const binds = items[1].value.map((b) => layout(b, col, width));
    line += " (" + binds.join("\n" + " ".repeat(col)) + ")";
    i = 2;
  } else if (HEAD_ARGS.has(name)) {
    // Names and parameter lists stay whole on the head line.
    for (const stop = 1 + HEAD_ARGS.get(name)!; i < stop && i < items.length; i++) {
      const x = items[i]!;
      line += " " + (x.kind === "list" && name !== "when" && name !== "unless" ? print(x) : layout(x, indent + line.length + 1, width));
    }
  } else if (name === "if") {
    // (if test
    //     then
    //     else) — branches line up under the test.
    const col = indent + 4;
    return "(if " + items.slice(1).map((x) => layout(x, col, width)).join("\n" + " ".repeat(col)) + ")";
  } else {
    // Calls, elements, components: leading keyword/value pairs join the head line while they fit.
    while (i + 1 < items.length && items[i]!.kind === "kw") {
      const pair = print(items[i]!) + " " + print(items[i + 1]!);
      if (indent + line.length + 1 + pair.length > width) break;
      line += " " + pair;
      i += 2;
    }
  }
  const rest: string[] = [];
  for (; i < items.length; i++) {
    const x = items[i]!;
    if (x.kind === "kw" && i + 1 < items.length) {
      // Keep `:key value` together; the value breaks under the key if it must.
      const key = print(x);
      const value = items[++i]!;
      const inline = layout(value, body + key.length + 1, width);
      rest.push(inline.includes("\n") && value.kind === "list" ? key + pad + "  " + layout(value, body + 2, width) : key + " " + inline);
    } else rest.push(layout(x, body, width));
  }
  return line + (rest.length ? pad + rest.join(pad) : "") + ")";
}
