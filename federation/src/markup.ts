/**
 * A blog post's body, stored as HTML (posts.body_html), as s-expression
 * markup: `<p>It&rsquo;s <a href="https://x">here</a>.</p>` becomes
 * `(p "It’s " (a :href "https://x" "here") ".")`, so a post federates as a
 * document another instance renders with its own components and escaping.
 *
 * HTML is read as browsers read it (parse5's fragment parsing: entities
 * decoded, unclosed elements closed). An allowlist of elements is kept, with
 * `href` on links (only a safe URL: no `javascript:` and the like) and
 * `title` on links and abbreviations; every other element is dropped with
 * its text kept, except those whose content is not text to read (script,
 * style, iframe, template, forms' controls, media, SVG), dropped whole. Text
 * is always a printed string, so nothing in the HTML can become code.
 *
 * Given the URL of the page the HTML is on (`base`), each link is made
 * absolute against it, so that on another instance it points back at the
 * origin (`/blog/pear/` on `https://a.example` is `https://a.example/blog/pear/`
 * wherever it is read), and kept only when it is then http, https or mailto.
 */
import { parseFragment, type DefaultTreeAdapterTypes as T } from "parse5";
import { isSafeUrl, printString } from "@rose-ash/sexp";

/** Elements kept, as themselves. */
const KEPT: ReadonlySet<string> = new Set([
  "p", "a", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "code", "pre", "kbd", "blockquote", "q", "cite",
  "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "br", "hr", "abbr", "mark", "del", "ins", "figure", "figcaption",
]);

/** Kept under another name: a post's `h1` would compete with the page's own title. */
const RENAMED: Readonly<Record<string, string>> = { h1: "h2" };

/** Dropped with their content: what they hold is not text to read (or runs). */
const DROPPED: ReadonlySet<string> = new Set([
  "script", "style", "template", "iframe", "frame", "frameset", "noscript", "noembed", "noframes", "object", "embed", "applet",
  "svg", "math", "canvas", "audio", "video", "picture", "select", "textarea", "button", "input", "head", "title", "meta", "link", "base",
]);

/** Attributes kept, by element. */
const ATTRIBUTES: Readonly<Record<string, readonly string[]>> = { a: ["href", "title"], abbr: ["title"] };

/** Block elements: whitespace between them (and at their edges) is layout, not text. */
const BLOCK: ReadonlySet<string> = new Set([
  "p", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure", "figcaption",
  "div", "section", "article", "header", "footer", "aside", "nav", "main", "address", "details", "summary", "table", "caption",
  "thead", "tbody", "tfoot", "tr", "td", "th", "center", "form", "fieldset", "hgroup", "body", "html",
]);

/** One converted piece: a printed form, whether it is a block, and its text when it is text. */
interface Piece {
  readonly form: string;
  readonly block: boolean;
  readonly text: string | null;
}

/** Schemes a link made absolute against the page's URL may have. */
const LINK_SCHEMES: ReadonlySet<string> = new Set(["http:", "https:", "mailto:"]);

/** What a link's `href` becomes (null: it is left out). */
type Href = (href: string) => string | null;

/**
 * The HTML as s-expression markup source: its top-level forms, one a line.
 * `base`, the absolute URL of the page the HTML is on: links are resolved
 * against it and kept only as http, https or mailto URLs. Without it, a
 * link is kept as written when it is safe (no `javascript:` and the like).
 */
export function htmlToMarkup(html: string, base?: string): string {
  const href = base === undefined ? safeHref : resolvedHref(base);
  return children(parseFragment(html).childNodes, true, false, href).map((p) => p.form).join("\n");
}

function safeHref(href: string): string | null {
  return isSafeUrl(href) ? href : null;
}

/** Links resolved against `base` (which must be an absolute URL), kept when http, https or mailto. */
function resolvedHref(base: string): Href {
  const page = parseUrl(base);
  if (page === null) throw new TypeError(`htmlToMarkup: the base must be an absolute URL, got ${JSON.stringify(base)}`);
  return (href) => {
    const url = parseUrl(href, page);
    return url !== null && LINK_SCHEMES.has(url.protocol) ? url.href : null;
  };
}

/** A URL as browsers read it (against `base`), or null where it does not read as one. */
function parseUrl(text: string, base?: URL): URL | null {
  try {
    return new URL(text, base);
  } catch {
    return null;
  }
}

/** The pieces of a list of nodes; `inBlock`: their parent is a block (edges are layout); `pre`: whitespace is text. */
function children(nodes: readonly T.ChildNode[], inBlock: boolean, pre: boolean, href: Href): Piece[] {
  const pieces: Piece[] = [];
  for (const n of nodes) pieces.push(...convert(n, pre, href));
  return pre ? pieces : laidOut(pieces, inBlock);
}

/** Whitespace next to a block, or at the edge of one, lays the HTML out; it is not text: left out. */
function laidOut(pieces: readonly Piece[], inBlock: boolean): Piece[] {
  const edge = (p: Piece | undefined): boolean => (p === undefined ? inBlock : p.block);
  const out: Piece[] = [];
  pieces.forEach((p, i) => {
    if (p.text === null) return void out.push(p);
    let text = p.text;
    if (edge(pieces[i - 1])) text = text.replace(/^ +/, "");
    if (edge(pieces[i + 1])) text = text.replace(/ +$/, "");
    if (text !== "") out.push(textPiece(text));
  });
  return out;
}

function textPiece(text: string): Piece {
  return { form: printString(text), block: false, text };
}

function convert(n: T.ChildNode, pre: boolean, href: Href): Piece[] {
  if (n.nodeName === "#text") {
    const text = pre ? (n as T.TextNode).value : (n as T.TextNode).value.replace(/[ \t\n\r\f]+/g, " ");
    return text === "" ? [] : [textPiece(text)];
  }
  if (!("tagName" in n)) return []; // comments
  const el = n as T.Element;
  // Elements of SVG or MathML (other than the roots, dropped by name) are not HTML's.
  if (el.namespaceURI !== "http://www.w3.org/1999/xhtml" || DROPPED.has(el.tagName)) return [];
  const tag = RENAMED[el.tagName] ?? el.tagName;
  const block = BLOCK.has(el.tagName);
  const inner = children(el.childNodes, block, pre || tag === "pre", href);
  if (!KEPT.has(tag)) return block ? paragraphs(inner) : inner;
  const parts = [tag, ...attributes(el, tag, href), ...inner.map((p) => p.form)];
  return [{ form: `(${parts.join(" ")})`, block, text: null }];
}

/** The content of a dropped block (a div, a table cell): its loose text in paragraphs of its own, so it does not run into what is beside it. */
function paragraphs(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  let run: Piece[] = [];
  const flush = (): void => {
    const inner = laidOut(run, true);
    if (inner.length) out.push({ form: `(p ${inner.map((p) => p.form).join(" ")})`, block: true, text: null });
    run = [];
  };
  for (const p of pieces) {
    if (p.block) {
      flush();
      out.push(p);
    } else run.push(p);
  }
  flush();
  return out;
}

/** The element's kept attributes, as `:name "value"` (a link's href as `href` makes it; left out where it says null). */
function attributes(el: T.Element, tag: string, href: Href): string[] {
  const allowed = ATTRIBUTES[tag];
  if (!allowed) return [];
  const out: string[] = [];
  for (const name of allowed) {
    const attr = el.attrs.find((a) => a.name === name);
    const value = attr === undefined ? null : name === "href" ? href(attr.value) : attr.value;
    if (value !== null) out.push(`:${name}`, printString(value));
  }
  return out;
}
