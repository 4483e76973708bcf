/** The HTML renderer: elements, attributes, children, fragments, documents and render errors. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RenderError, SexpError, formatError } from "../src/errors.ts";
import { renderAttribute, renderChild, renderRawTextContent } from "../src/html.ts";
import { HTML_TAGS, URL_ATTRIBUTES, VOID_ELEMENTS, isCustomElementName, isValidAttributeName } from "../src/html-tags.ts";
import { createEnv, renderForms } from "../src/program.ts";
import { parse } from "../src/reader.ts";
import { Html, Keyword, Sym, type Value } from "../src/types.ts";

/** Render source (with optional global bindings); I/O-free pages render synchronously. */
function html(src: string, vars: Record<string, Value> = {}): string {
  const env = createEnv();
  for (const [k, v] of Object.entries(vars)) env.define(k, v);
  const out = renderForms(parse(src, { src: "page.sexp" }), env);
  if (typeof out !== "string") throw new Error("render went async");
  return out;
}

/** The error rendering `src` throws. */
function renderError(src: string, vars: Record<string, Value> = {}): SexpError {
  try {
    html(src, vars);
  } catch (e) {
    expect(e).toBeInstanceOf(SexpError);
    return e as SexpError;
  }
  throw new Error(`expected ${src} to fail`);
}

describe("elements and attributes", () => {
  it("renders elements, text and nesting", () => {
    expect(html('(div (h1 "Title") (p "a " (em "b") " c"))')).toBe("<div><h1>Title</h1><p>a <em>b</em> c</p></div>");
    expect(html("(div)")).toBe("<div></div>");
    expect(html('(p "a") (p "b")')).toBe("<p>a</p><p>b</p>");
  });

  it("true gives a bare attribute, false and nil omit it", () => {
    expect(html("(input :disabled true :checked false :value nil :required true)")).toBe("<input disabled required>");
    expect(html("(button :disabled d)", { d: true })).toBe("<button disabled></button>");
    expect(html("(button :disabled d)", { d: false })).toBe("<button></button>");
    expect(html("(button :disabled d)", { d: null })).toBe("<button></button>");
    // A string "false" is a value like any other.
    expect(html('(div :draggable "false")')).toBe('<div draggable="false"></div>');
  });

  it("renders numbers and keywords as attribute values", () => {
    expect(html("(td :colspan 2 :width 1.5 :x -0 :y 1e21 :z -3)")).toBe('<td colspan="2" width="1.5" x="0" y="1e+21" z="-3"></td>');
    expect(html("(input :type :checkbox)")).toBe('<input type="checkbox">');
  });

  it("joins list values (e.g. :class) with spaces, skipping nil and false", () => {
    expect(html('(div :class (list "card" nil "wide" false 3 :k))')).toBe('<div class="card wide 3 k"></div>');
    expect(html('(div :class (list "a" (when on "on")))', { on: true })).toBe('<div class="a on"></div>');
    expect(html('(div :class (list "a" (when on "on")))', { on: false })).toBe('<div class="a"></div>');
    expect(html("(div :class (list))")).toBe('<div class=""></div>');
  });

  it("keeps attributes in source order", () => {
    expect(html("(div :z 1 :a 2 :m 3 :b x)", { x: 4 })).toBe('<div z="1" a="2" m="3" b="4"></div>');
    expect(html("(div :id \"x\" \"text\" :class \"c\" (b))")).toBe('<div id="x" class="c">text<b></b></div>');
  });

  it("passes through attribute names htmx and Alpine use", () => {
    expect(html('(div :hx-swap-oob "true" :hx-get "/x" :data-id 7 :aria-label "L" :@click "go" :x-on:click "f" :xml:lang "en")')).toBe(
      '<div hx-swap-oob="true" hx-get="/x" data-id="7" aria-label="L" @click="go" x-on:click="f" xml:lang="en"></div>',
    );
    expect(html('(svg :viewBox "0 0 1 1" (path :d "M0 0"))')).toBe('<svg viewBox="0 0 1 1"><path d="M0 0"></path></svg>');
  });

  it("renders the same markup whether values are literals or come from variables", () => {
    const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
    const literal = (v: string | number | boolean | null): string =>
      v === null ? "nil" : typeof v === "string" ? JSON.stringify(v) : String(v);
    fc.assert(
      fc.property(value, value, (a, c) => {
        // JSON string syntax is not always sexp string syntax; keep to printable ASCII strings.
        fc.pre(typeof a !== "string" || /^[ -~]*$/.test(a));
        fc.pre(typeof c !== "string" || /^[ -~]*$/.test(c));
        const fromLiterals = html(`(div :title ${literal(a)} (span ${literal(c)}))`);
        const fromVariables = html("(div :title a (span c))", { a, c });
        expect(fromVariables).toBe(fromLiterals);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects a duplicate attribute, at the second one", () => {
    const err = renderError('(div :class "a"\n     :class "b")');
    expect(err.message).toContain(":class given twice");
    expect(err.loc).toMatchObject({ src: "page.sexp", line: 2, col: 6 });
  });

  it("rejects invalid attribute names", () => {
    for (const name of ["a=", "a/b", "a>b"]) {
      const err = renderError(`(div :${name} 1)`);
      expect(err).toBeInstanceOf(RenderError);
      expect(err.message).toContain("invalid attribute name");
      expect(err.loc).toMatchObject({ line: 1, col: 6 });
    }
  });

  it("rejects attribute values that are not text", () => {
    expect(renderError('(p :title (raw! "<b>"))').message).toContain("attribute :title cannot be a html");
    expect(renderError('(p :class (list (list "a")))').message).toContain("cannot contain a list");
    const err = renderError("(p :data m)", { m: new Map() });
    expect(err).toBeInstanceOf(RenderError);
    expect(err.loc).toMatchObject({ line: 1, col: 1 });
  });

  it("an attribute keyword needs a value", () => {
    expect(renderError("(p :hidden)").message).toContain(":hidden has no value");
  });
});

describe("children", () => {
  it("renders nothing for nil, true and false", () => {
    expect(html('(p nil "a" nil true false)')).toBe("<p>a</p>");
    expect(html('(p (when false "x"))')).toBe("<p></p>");
  });

  it("renders numbers", () => {
    expect(html("(p 1 \" \" 1.5 \" \" -3 \" \" 1e21 \" \" n)", { n: 0.1 + 0.2 })).toBe("<p>1 1.5 -3 1e+21 0.30000000000000004</p>");
  });

  it("flattens nested lists", () => {
    expect(html('(div (list (list "a" (list nil "b")) 1) (list))')).toBe("<div>ab1</div>");
    expect(html("(ul (map (fn (i) (li i)) (list 1 2 3)))")).toBe("<ul><li>1</li><li>2</li><li>3</li></ul>");
  });

  it("renders <> fragments without a wrapper", () => {
    expect(html('(<> "a" (b "c") nil (list 1 (list 2 "<")))')).toBe("a<b>c</b>12&lt;");
    expect(html("(<>)")).toBe("");
    expect(html('(ul (<> (li "1") (<> (li "2"))))')).toBe("<ul><li>1</li><li>2</li></ul>");
  });

  it("emits raw! markup as is, and only raw! markup", () => {
    expect(html('(div (raw! "<b>bold</b>") "<b>")')).toBe("<div><b>bold</b>&lt;b&gt;</div>");
    expect(html('(raw! "<i>" nil 3 "</i>")')).toBe("<i>3</i>");
    expect(html("(p (raw! s))", { s: "<hr>" })).toBe("<p><hr></p>");
    expect(renderError('(raw! :k)').message).toContain("raw! takes strings");
  });

  it("renders a keyword child as its name", () => {
    expect(html("(p (list :a))")).toBe("<p>a</p>");
  });

  it("a map child is a RenderError with the element's position", () => {
    const err = renderError("(div\n  (p {:a 1}))");
    expect(err).toBeInstanceOf(RenderError);
    expect(err.message).toContain("cannot render a map");
    expect(err.loc).toMatchObject({ src: "page.sexp", line: 2, col: 3 });
    const fromVar = renderError("(ul (li m))", { m: new Map([["a", 1]]) });
    expect(fromVar).toBeInstanceOf(RenderError);
    expect(fromVar.loc).toMatchObject({ line: 1, col: 5 });
    expect(renderError("(<> m)", { m: new Map() }).loc).toMatchObject({ line: 1, col: 1 });
    expect(renderError("(div (list 1 m))", { m: new Map() })).toBeInstanceOf(RenderError);
  });

  it("a function child is a RenderError with position", () => {
    const err = renderError("(p (fn (x) x))");
    expect(err).toBeInstanceOf(RenderError);
    expect(err.message).toContain("cannot render a lambda");
    expect(err.loc).toMatchObject({ line: 1, col: 1 });
  });

  it("a constant child that cannot render is a RenderError with position", () => {
    const err = renderError("(div\n  (p 'x))");
    expect(err).toBeInstanceOf(RenderError);
    expect(err.loc).toMatchObject({ line: 2, col: 6 }); // the quoted child
  });
});

describe("void elements", () => {
  it("have no closing tag", () => {
    expect(html('(div (br) (img :src "a.png" :alt "") (input :type "text") (hr) (meta :charset "utf-8") (link :rel "x"))')).toBe(
      '<div><br><img src="a.png" alt=""><input type="text"><hr><meta charset="utf-8"><link rel="x"></div>',
    );
    for (const tag of VOID_ELEMENTS) expect(html(`(${tag})`)).toBe(`<${tag}>`);
  });

  it("reject children with a RenderError at the first child", () => {
    const err = renderError('(div\n  (img :src "a.png"\n    (span "x")))');
    expect(err).toBeInstanceOf(RenderError);
    expect(err.message).toBe("<img> is a void element and cannot have children");
    expect(err.loc).toMatchObject({ src: "page.sexp", line: 3, col: 5 });
    const src = '(br "x")';
    expect(formatError(renderError(src), () => src)).toBe(
      ['page.sexp:1:5: <br> is a void element and cannot have children', '1 | (br "x")', "  |     ^"].join("\n"),
    );
    expect(renderError("(hr x)", { x: "a" })).toBeInstanceOf(RenderError);
  });
});

describe("documents and custom elements", () => {
  it("(html ...) gets a doctype", () => {
    expect(html('(html :lang "en" (head (title "T")) (body (p "x")))')).toBe(
      '<!doctype html><html lang="en"><head><title>T</title></head><body><p>x</p></body></html>',
    );
    expect(html("(html)")).toBe("<!doctype html><html></html>");
    expect(html("(body)")).toBe("<body></body>");
  });

  it("renders custom elements (names with a hyphen)", () => {
    expect(html('(my-widget :x 1 "a")')).toBe('<my-widget x="1">a</my-widget>');
    expect(html("(a-b :hidden true (br))")).toBe("<a-b hidden><br></a-b>");
    expect(html("(x-y (my-widget))")).toBe("<x-y><my-widget></my-widget></x-y>");
    expect(html('(my-widget :label l "t")', { l: "<\"'>" })).toBe('<my-widget label="&lt;&quot;&#39;&gt;">t</my-widget>');
  });

  it("calls a function rather than rendering an element when one has the hyphenated name", () => {
    expect(html('(define (my-widget x) (b x)) (my-widget "hi")')).toBe("<b>hi</b>");
  });

  it("components render through elements", () => {
    expect(
      html('(defcomp ~card (&key title (cls "card") children) (div :class cls (h2 title) children)) (~card :title "T<" (p "a") (p "b"))'),
    ).toBe('<div class="card"><h2>T&lt;</h2><p>a</p><p>b</p></div>');
  });

  it("escapes text children everywhere except raw-text elements", () => {
    expect(html('(textarea "</textarea><b>")')).toBe("<textarea>&lt;/textarea&gt;&lt;b&gt;</textarea>");
    expect(html('(title "</title>")')).toBe("<title>&lt;/title&gt;</title>");
    expect(html('(script "a<b && c")')).toBe("<script>a<b && c</script>");
  });
});

describe("html.ts helpers", () => {
  it("renderChild", () => {
    expect(renderChild("<&>")).toBe("&lt;&amp;&gt;");
    expect(renderChild(new Html("<b>"))).toBe("<b>");
    expect(renderChild([1, [null, "x", [true, -0]], Keyword.of("k")])).toBe("1x0k");
    expect(renderChild(undefined)).toBe("");
    expect(() => renderChild(Sym.of("s"))).toThrow(RenderError);
    expect(() => renderChild(new Map())).toThrow("cannot render a map as HTML");
    expect(renderChild(["a", new Html("<br>")])).toBe("a<br>");
  });

  it("renderAttribute", () => {
    expect(renderAttribute("title", 'a"b', false)).toBe(' title="a&quot;b"');
    expect(renderAttribute("hidden", true, false)).toBe(" hidden");
    expect(renderAttribute("hidden", false, false)).toBe("");
    expect(renderAttribute("hidden", null, false)).toBe("");
    expect(renderAttribute("href", "javascript:x", true)).toBe(' href="about:invalid#unsafe-url"');
    expect(renderAttribute("href", "javascript:x", false)).toBe(' href="javascript:x"');
  });

  it("raw-text children are escaped as a whole", () => {
    // From the page source: kept as written, closing tags broken up.
    expect(renderRawTextContent("script", [["</scr", "ipt>"]], true)).toBe("<\\/script>");
    expect(renderRawTextContent("style", [[new Html("</sty"), "le"]], true)).toBe("<\\/style");
    expect(renderRawTextContent("script", [[1, null, "a < b"]], true)).toBe("1a < b");
    expect(renderRawTextContent("script", ["</scr", ["ipt", null], ">"], true)).toBe("<\\/script>");
    // Involving data: no "<" at all.
    expect(renderRawTextContent("script", ['{"a": "</script><b>"}'], false)).toBe('{"a": "\\u003c/script>\\u003cb>"}');
    expect(renderRawTextContent("style", ["a::after { content: '<img>' }"], false)).toBe("a::after { content: '\\3c img>' }");
    expect(() => renderRawTextContent("script", [new Map()], true)).toThrow(RenderError);
  });

  it("html-tags", () => {
    expect(HTML_TAGS.has("div") && HTML_TAGS.has("svg") && !HTML_TAGS.has("map")).toBe(true);
    expect(URL_ATTRIBUTES.has("href") && URL_ATTRIBUTES.has("HREF") && URL_ATTRIBUTES.has("xlink:HREF")).toBe(true);
    expect(URL_ATTRIBUTES.has("title")).toBe(false);
    for (const ok of ["my-widget", "x-y", "a-", "a.b-c", "ab-1_2"]) expect(isCustomElementName(ok), ok).toBe(true);
    for (const bad of ["widget", "-x", "My-widget", "my_widget", "1-a", "a-B", "a b-c"]) expect(isCustomElementName(bad), bad).toBe(false);
    for (const ok of ["class", "hx-swap-oob", "@click", ":x", "xlink:href", "data-x.y", "viewBox", "_a"]) expect(isValidAttributeName(ok), ok).toBe(true);
    for (const bad of ["", "a=b", "a b", "a/b", "a>b", '"', "a'b", "1a", "-a", "a\u0000"]) expect(isValidAttributeName(bad), bad).toBe(false);
  });
});

describe("context-dependent safety", () => {
  it("script and style content from data has no '<', so it is inert inside svg/math too", () => {
    const x = "<img src=x onerror=alert(1)>";
    expect(html("(svg (style x))", { x })).toBe("<svg><style>\\3c img src=x onerror=alert(1)></style></svg>");
    expect(html("(defcomp ~s (&key css) (style css)) (svg (~s :css x))", { x })).toBe("<svg><style>\\3c img src=x onerror=alert(1)></style></svg>");
    expect(html("(math (mrow (script x)))", { x })).toBe("<math><mrow><script>\\u003cimg src=x onerror=alert(1)></script></mrow></math>");
    expect(html('(style "a > b {}" x)', { x: "c > d {}" })).toBe("<style>a > b {}c > d {}</style>");
  });

  it("attributes that run as script or markup take only literal values", () => {
    expect(html('(button :onclick "go()" "x")')).toBe('<button onclick="go()">x</button>');
    for (const attr of ["onclick", "onError", "hx-on:click", "data-hx-on:click", "srcdoc", "hx-vals", "data-hx-vars", "hx-trigger"]) {
      const err = renderError(`(div :${attr} (str "go(" x ")"))`, { x: "1" });
      expect(err).toBeInstanceOf(RenderError);
      expect(err.message).toMatch(/can run script, so its value must be a literal string/);
    }
  });
});
