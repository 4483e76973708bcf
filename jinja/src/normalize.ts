/**
 * Normalized HTML: what two renderings must agree on to be the same page —
 * the element tree, each element's attributes (as a set, values decoded),
 * and the text — while how they were written does not matter: entities
 * (`&#39;` or `&#x27;` or `'`), attribute order and quoting, and whitespace
 * (every run of it is one space; text is trimmed where an element starts or
 * ends, and text that is only whitespace is dropped). Both are read as a
 * browser reads a fragment, or a document where it starts with `<html>` or a
 * doctype (parse5), so `<p>a<p>b` and `<p>a</p><p>b</p>` are the same page too.
 */
import { parse as parseDocument, parseFragment, type DefaultTreeAdapterTypes as T } from "parse5";

/** A normalized node: an element with its sorted attributes and children, or a text. */
export type NormalNode = { readonly tag: string; readonly attrs: readonly (readonly [string, string])[]; readonly children: readonly NormalNode[] } | { readonly text: string };

/** The normalized tree of HTML: a fragment, or a whole document (read as one: its html, head and body kept). */
export function normalizeHtml(html: string): NormalNode[] {
  return children(/^\s*(<!doctype[^>]*>\s*)?<html[\s>]/i.test(html) ? parseDocument(html).childNodes : parseFragment(html).childNodes);
}

function children(nodes: readonly T.ChildNode[]): NormalNode[] {
  const out: NormalNode[] = [];
  for (const n of nodes) {
    if (n.nodeName === "#text") {
      const text = (n as T.TextNode).value.replace(/\s+/g, " ");
      const last = out[out.length - 1];
      if (last && "text" in last) out[out.length - 1] = { text: last.text + text };
      else out.push({ text });
    } else if ("tagName" in n) {
      const el = n as T.Element;
      const content = el.tagName === "template" ? (el as T.Template).content.childNodes : el.childNodes;
      const attrs = el.attrs.map((a) => [a.prefix ? `${a.prefix}:${a.name}` : a.name, a.value.replace(/\s+/g, " ").trim()] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      out.push({ tag: el.tagName, attrs, children: children(content) });
    }
    // Comments and doctypes are not the page.
  }
  return out.map((n) => ("text" in n ? { text: n.text.trim() } : n)).filter((n) => !("text" in n) || n.text !== "");
}

/** The normalized tree printed, one node a line, indented: what differences are shown in. */
export function printNormal(nodes: readonly NormalNode[], indent = ""): string[] {
  const lines: string[] = [];
  for (const n of nodes) {
    if ("text" in n) lines.push(`${indent}${JSON.stringify(n.text)}`);
    else {
      lines.push(`${indent}<${n.tag}${n.attrs.map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join("")}>`);
      lines.push(...printNormal(n.children, indent + "  "));
    }
  }
  return lines;
}

/** A place where two normalized trees differ: its path (`div[1] > p[0]`), and what each side has there. */
export interface Difference {
  readonly path: string;
  readonly left: string;
  readonly right: string;
}

/** The first differences (at most `limit`) between two HTML renderings, normalized; none when they are the same page. */
export function htmlDifferences(left: string, right: string, limit = 5): Difference[] {
  const out: Difference[] = [];
  compare(normalizeHtml(left), normalizeHtml(right), "", out, limit);
  return out;
}

function describe(n: NormalNode | undefined): string {
  if (n === undefined) return "(nothing)";
  if ("text" in n) return `text ${JSON.stringify(n.text)}`;
  return `<${n.tag}${n.attrs.map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join("")}>`;
}

function compare(a: readonly NormalNode[], b: readonly NormalNode[], path: string, out: Difference[], limit: number): void {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n && out.length < limit; i++) {
    const x = a[i];
    const y = b[i];
    const here = `${path}${path ? " > " : ""}${x && "tag" in x ? x.tag : y && "tag" in y ? y.tag : "#text"}[${i}]`;
    if (x === undefined || y === undefined || "text" in x !== "text" in y) {
      out.push({ path: here, left: describe(x), right: describe(y) });
      continue;
    }
    if ("text" in x && "text" in y) {
      if (x.text !== y.text) out.push({ path: here, left: describe(x), right: describe(y) });
      continue;
    }
    if ("tag" in x && "tag" in y) {
      if (x.tag !== y.tag || JSON.stringify(x.attrs) !== JSON.stringify(y.attrs)) {
        out.push({ path: here, left: describe(x), right: describe(y) });
        continue;
      }
      compare(x.children, y.children, here, out, limit);
    }
  }
}
