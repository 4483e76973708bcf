/**
 * Blog HTML as s-expression markup: entities decoded, links kept when their
 * URL is safe (or, given the page's URL, made absolute against it and kept
 * when http, https or mailto), an allowlist of elements, script and its kind dropped with
 * their content, other elements dropped with their text kept; and, as a
 * property, whatever the HTML, the markup reads and has no code in it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnv, parse, renderForms, type Node } from "@rose-ash/sexp";
import { htmlToMarkup } from "../src/index.ts";

describe("htmlToMarkup", () => {
  it("turns paragraphs with entities into forms of decoded text, one a line", () => {
    expect(htmlToMarkup("<p>It&rsquo;s bread &amp; butter &lt;3</p>\n<p>Second &quot;one&quot;</p>")).toBe('(p "It’s bread & butter <3")\n(p "Second \\"one\\"")');
  });

  it("keeps links with a safe href and a title, and inline elements in place", () => {
    expect(htmlToMarkup('<p>See <a href="https://x.example/a?b=1&amp;c=2" title="X" class="ext" onclick="steal()">the <em>link</em></a>.</p>')).toBe(
      '(p "See " (a :href "https://x.example/a?b=1&c=2" :title "X" "the " (em "link")) ".")',
    );
    expect(htmlToMarkup('<p><abbr title="HyperText">HTML</abbr> <strong>bold</strong> <code>x()</code></p>')).toBe('(p (abbr :title "HyperText" "HTML") " " (strong "bold") " " (code "x()"))');
  });

  it("leaves out an unsafe href, keeping the link's text", () => {
    expect(htmlToMarkup('<p><a href="javascript:alert(1)">click</a></p>')).toBe('(p (a "click"))');
    expect(htmlToMarkup('<p><a href=" JaVa\tScRiPt:alert(1)">x</a><a href="vbscript:x">y</a><a href="data:text/html,<b>">z</a></p>')).toBe('(p (a "x") (a "y") (a "z"))');
    expect(htmlToMarkup('<p><a href="/blog/apple/">ok</a></p>')).toBe('(p (a :href "/blog/apple/" "ok"))');
  });

  it("with the page's URL, makes each link absolute against it, so it points back at the origin wherever it is read", () => {
    const base = "https://a.example/blog/post/";
    const links = (html: string) => htmlToMarkup(`<p>${html}</p>`, base);
    expect(links('<a href="/blog/apple/">a</a>')).toBe('(p (a :href "https://a.example/blog/apple/" "a"))');
    expect(links('<a href="pear/">p</a> <a href="../">up</a> <a href="#notes">n</a> <a href="?page=2">q</a> <a href="">self</a>')).toBe(
      '(p (a :href "https://a.example/blog/post/pear/" "p") " " (a :href "https://a.example/blog/" "up") " " (a :href "https://a.example/blog/post/#notes" "n") " " ' +
        '(a :href "https://a.example/blog/post/?page=2" "q") " " (a :href "https://a.example/blog/post/" "self"))',
    );
    // Already absolute: kept (as the URL reads), another host's too; scheme-relative takes the origin's scheme.
    expect(links('<a href="https://x.example/a?b=1&amp;c=2">x</a><a href="//y.example/z">y</a><a href="HTTP://Z.example">z</a>')).toBe(
      '(p (a :href "https://x.example/a?b=1&c=2" "x") (a :href "https://y.example/z" "y") (a :href "http://z.example/" "z"))',
    );
    expect(links('<a href="mailto:hannah@a.example">mail</a>')).toBe('(p (a :href "mailto:hannah@a.example" "mail"))');
    expect(htmlToMarkup('<p><a href="/x">x</a></p>', "http://127.0.0.1:8801/blog/p/")).toBe('(p (a :href "http://127.0.0.1:8801/x" "x"))');
  });

  it("with the page's URL, keeps only http, https and mailto links: the rest lose their href and keep their text", () => {
    const links = (html: string) => htmlToMarkup(`<p>${html}</p>`, "https://a.example/blog/post/");
    expect(links('<a href="javascript:alert(1)">a</a><a href=" JaVa\tScRiPt:alert(1)">b</a><a href="vbscript:x">c</a><a href="data:text/html,<b>">d</a>')).toBe('(p (a "a") (a "b") (a "c") (a "d"))');
    expect(links('<a href="ftp://a.example/f">f</a><a href="tel:+441234">t</a><a href="ipfs://bafk">i</a><a href="http://[bad">bad</a><a>none</a>')).toBe(
      '(p (a "f") (a "t") (a "i") (a "bad") (a "none"))',
    );
    // Titles are text, never resolved.
    expect(links('<a href="/x" title="/not/a/link">x</a>')).toBe('(p (a :href "https://a.example/x" :title "/not/a/link" "x"))');
  });

  it("refuses a base that is not an absolute URL", () => {
    expect(() => htmlToMarkup("<p>x</p>", "/blog/post/")).toThrow(/the base must be an absolute URL/);
  });

  it("drops script, style, iframe and template with their content, and comments", () => {
    expect(htmlToMarkup('<p>a<script>alert("x")</script>b</p><style>p{}</style><iframe src="https://evil">frame text</iframe><template><p>hidden</p></template><!-- note --><p>c</p>')).toBe(
      '(p "a" "b")\n(p "c")',
    );
    expect(htmlToMarkup("<p>x<svg><a href='https://e'><text>drawn</text></a></svg><img src=x onerror=alert(1)>y</p>")).toBe('(p "x" "y")');
  });

  it("drops other elements but keeps their text; a dropped block's loose text is a paragraph of its own", () => {
    expect(htmlToMarkup('<p><span class="x">in a span</span> and <font color="red">font</font></p>')).toBe('(p "in a span" " and " "font")');
    expect(htmlToMarkup("<div>one</div><div>two <p>three</p></div>")).toBe('(p "one")\n(p "two")\n(p "three")');
    expect(htmlToMarkup("<h1>Title</h1><h3>Sub</h3>")).toBe('(h2 "Title")\n(h3 "Sub")');
  });

  it("keeps nested lists and quotes, dropping the whitespace that lays them out", () => {
    const html = `
<ul>
  <li>one
    <ol>
      <li>one.a</li>
      <li>one.b</li>
    </ol>
  </li>
  <li>two</li>
</ul>
<blockquote>
  <p>quoted</p>
</blockquote>`;
    expect(htmlToMarkup(html)).toBe('(ul (li "one" (ol (li "one.a") (li "one.b"))) (li "two"))\n(blockquote (p "quoted"))');
  });

  it("keeps whitespace in pre, and line breaks and rules", () => {
    expect(htmlToMarkup("<pre>a\n  b</pre><p>x<br>y</p><hr>")).toBe('(pre "a\\n  b")\n(p "x" (br) "y")\n(hr)');
  });

  it("renders, through the language's escaping, as the HTML it came from", async () => {
    const forms = parse(htmlToMarkup('<p>It&rsquo;s <a href="/x?a=1&amp;b=2">A &amp; B</a> &lt;tag&gt;</p>'));
    expect(await renderForms(forms, createEnv())).toBe('<p>It’s <a href="/x?a=1&amp;b=2">A &amp; B</a> &lt;tag&gt;</p>');
  });

  it("always gives markup that reads, with no code: only kept elements, every text a string", () => {
    const tags = ["p", "a", "em", "script", "style", "div", "span", "ul", "li", "iframe", "template", "svg", "pre", "abbr", "h1", "table", "td", "textarea"];
    const attr = fc.tuple(fc.constantFrom("href", "title", "onclick", "style", "src"), fc.oneof(fc.string(), fc.constantFrom("javascript:alert(1)", "https://x", "(raw! \"x\")")));
    const html: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.string({ unit: "grapheme" }),
        fc.constantFrom("&amp;", "&rsquo;", "&lt;script&gt;", "(raw! \"<b>\")", "\"", "\\", "<!-- c -->", "&#0;", "\u2028", ")("),
        fc.tuple(fc.constantFrom(...tags), fc.array(attr, { maxLength: 2 }), fc.array(tie("node"), { maxLength: 4 })).map(
          ([tag, attrs, kids]) => `<${tag}${attrs.map(([n, v]) => ` ${n}="${v.replace(/"/g, "&quot;")}"`).join("")}>${kids.join("")}</${tag}>`,
        ),
      ),
    })).node;
    const allowed = new Set(["p", "a", "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "code", "pre", "kbd", "blockquote", "q", "cite", "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "br", "hr", "abbr", "mark", "del", "ins", "figure", "figcaption"]);
    fc.assert(
      fc.property(fc.array(html, { maxLength: 4 }).map((xs) => xs.join("")), (input) => {
        const forms = parse(htmlToMarkup(input));
        for (const f of forms) expect(codeIn(f, allowed), input).toBeNull();
        // With the page's URL, every link is an absolute http, https or mailto URL.
        for (const f of parse(htmlToMarkup(input, "https://a.example/blog/post/"))) expect(codeIn(f, allowed, /^(https?:\/\/|mailto:)/), input).toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});

/** The first thing in markup that is not a kept element with its attributes and strings (each href matching `href` when given), or null. */
function codeIn(n: Node, allowed: ReadonlySet<string>, href?: RegExp): string | null {
  if (n.kind === "str") return null;
  if (n.kind !== "list") return `a ${n.kind} where text or an element was expected`;
  const [head, ...rest] = n.value;
  if (head?.kind !== "sym" || !allowed.has(head.value)) return `element ${head ? JSON.stringify(head.value) : "nil"}`;
  for (let i = 0; i < rest.length; i++) {
    const x = rest[i]!;
    if (x.kind === "kw") {
      if (!["href", "title"].includes(x.value) || rest[i + 1]?.kind !== "str") return `attribute :${x.value}`;
      if (x.value === "href" && /^\s*(javascript|vbscript)/i.test((rest[i + 1] as { value: string }).value)) return "a script URL";
      if (x.value === "href" && href && !href.test((rest[i + 1] as { value: string }).value)) return `a link that is not absolute http, https or mailto`;
      i++;
      continue;
    }
    const inner = codeIn(x, allowed, href);
    if (inner) return inner;
  }
  return null;
}
