/** The HTML renderer: elements, attributes, children, fragments, documents and render errors. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RenderError, SexpError, formatError } from "../src/errors.ts";
import { renderAttribute, renderChild, renderRawTextContent } from "../src/html.ts";
import { check } from "../src/check.ts";
import { HTML_TAGS, VOID_ELEMENTS, attributeKind, isCustomElementName, isValidAttributeName } from "../src/html-tags.ts";
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

  it("writes a condition on a local's field, with fixed markup in its branches, as any other condition", () => {
    const items = [new Map<string, Value>([["new", true], ["sale", false]]), new Map<string, Value>([["sale", 1]]), null];
    const src = `(map (fn (p) (li (when (:new p) (b "New")) (if (:sale p) (i "Sale") (u "Full")) (unless (:new p) "·"))) items)`;
    expect(html(src, { items })).toBe("<li><b>New</b><u>Full</u></li><li><i>Sale</i>·</li><li><u>Full</u>·</li>");
    expect(renderError(`(map (fn (p) (when (:new p) "x")) items)`, { items: [[1, 2]] }).message).toBe("cannot read :new of a list (use an index)");
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

  it("writes (str ...) and (list ...) attributes piece by piece exactly as their values", () => {
    const value = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("javascript:alert(1)", "/p", "#f", "a&b", '"q"', ""), fc.integer(), fc.boolean(), fc.constant(null));
    const outcome = (src: string, vars: Record<string, Value>): string => {
      try {
        return html(src, vars);
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    };
    fc.assert(
      fc.property(value, value, value, (a, b, c) => {
        const vars = { a, b, c };
        const attributes = [':title (str a b c)', ':href (str "/x/" a b)', ':src (str a "/y")', ':action (str "#" c)', ':class (list "card" a b c)', ':id (list a)'];
        for (const attr of attributes) {
          const [name, call] = [attr.slice(0, attr.indexOf(" ")), attr.slice(attr.indexOf(" ") + 1)];
          // The same call made for its value first, then given to the attribute.
          expect(outcome(`(div ${attr})`, vars)).toBe(outcome(`(let ((v ${call})) (div ${name} v))`, vars));
        }
      }),
      { numRuns: 300 },
    );
    // Special forms there are what they always were.
    expect(html("(p :title (quote (1 2)) :class (do (define y \"a\") y))")).toBe('<p title="1 2" class="a"></p>');
    // A local or a global function of that name is called as it is.
    expect(html('(let ((str (fn (a b) "X"))) (a :href (str "/a" "b")))')).toBe('<a href="X"></a>');
    const env = createEnv();
    renderForms(parse('(define (list a b) "mine")'), env);
    expect(renderForms(parse('(p :class (list "a" "b"))'), env)).toBe('<p class="mine"></p>');
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

  it("raw-text content is escaped as a whole", () => {
    // Kept as written, closing tags and comment openers broken up, even across pieces.
    expect(renderRawTextContent(["</scr", "ipt>"])).toBe("<\\/script>");
    expect(renderRawTextContent(["</sty", "le"])).toBe("<\\/style");
    expect(renderRawTextContent(["1", "a < b"])).toBe("1a < b");
    expect(renderRawTextContent(["<", "!-", "-"])).toBe("<\\!--");
    expect(renderRawTextContent([])).toBe("");
  });

  it("html-tags", () => {
    expect(HTML_TAGS.has("div") && HTML_TAGS.has("svg") && !HTML_TAGS.has("map")).toBe(true);
    for (const ok of ["my-widget", "x-y", "a-", "a.b-c", "ab-1_2"]) expect(isCustomElementName(ok), ok).toBe(true);
    for (const bad of ["widget", "-x", "My-widget", "my_widget", "1-a", "a-B", "a b-c"]) expect(isCustomElementName(bad), bad).toBe(false);
    for (const ok of ["class", "hx-swap-oob", "@click", ":x", "xlink:href", "data-x.y", "viewBox", "_a"]) expect(isValidAttributeName(ok), ok).toBe(true);
    for (const bad of ["", "a=b", "a b", "a/b", "a>b", '"', "a'b", "1a", "-a", "a\u0000"]) expect(isValidAttributeName(bad), bad).toBe(false);
  });

  it("attributeKind: script, URL or data, whatever the case", () => {
    const kinds: Record<string, string[]> = {
      script: [
        "onclick", "ONCLICK", "onError", "one", "srcdoc", "SrcDoc",
        "hx-on:click", "hx-on::after-request", "hx-on-click", "hx-on--before-request", "HX-ON:Click", "data-hx-on:click",
        "hx-vals", "hx-headers", "hx-request", "hx-vars", "hx-trigger", "hx-ext", "hx-on", "hx-post-something", "hx-",
        "data-hx-vals", "DATA-HX-REQUEST", "Data-Hx-Trigger",
      ],
      url: [
        "href", "HREF", "xlink:HREF", "src", "action", "formaction", "srcset",
        "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url", "HX-GET", "data-hx-get", "DATA-HX-Push-Url",
      ],
      data: [
        "title", "class", "id", "style", "data-x", "data-one", "data-onclick", "DATA-ONCLICK", "data-srcdoc", "data-href", "data-data-hx-vals",
        "hx-target", "hx-swap", "hx-swap-oob", "hx-select", "hx-select-oob", "hx-include", "hx-indicator", "hx-confirm", "hx-prompt",
        "hx-params", "hx-sync", "hx-disabled-elt", "hx-encoding", "hx-boost", "hx-preserve", "hx-history", "hx-history-elt",
        "hx-disable", "hx-validate", "hx-inherit", "hx-disinherit", "HX-Target", "data-hx-swap",
      ],
    };
    for (const [kind, names] of Object.entries(kinds)) for (const name of names) expect(attributeKind(name), name).toBe(kind);
  });
});

describe("script-running attributes", () => {
  /** `name` with its letters in alternating case, e.g. `Hx-oN:ClIcK`. */
  const mixedCase = (name: string): string => [...name].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join("");
  // Every htmx attribute that evaluates its text (see htmx.js: getValuesForElement, maybeGenerateConditional,
  // addHxOnEventHandler, processHxOnWildcard), hx-ext, an htmx attribute nobody has checked, and event handlers.
  const EVALUATING = ["hx-request", "hx-vals", "hx-headers", "hx-vars", "hx-trigger", "hx-on:click", "hx-on::before-request", "hx-on-click", "hx-on--after-swap", "hx-ext", "hx-future-thing"];
  const spellings = [
    ...EVALUATING.flatMap((a) => [a, "data-" + a, mixedCase(a), mixedCase("data-" + a)]),
    ...["onclick", "onerror", "onload", "srcdoc"].flatMap((a) => [a, mixedCase(a)]),
  ];

  it("refuse values from data at compile time, at the value, in the compiler and the checker alike", () => {
    for (const attr of spellings) {
      const src = `(div :id "d"\n     :${attr} (str "a" x))`;
      const err = renderError(src, { x: "1" });
      expect(err, attr).toBeInstanceOf(RenderError);
      expect(err.message).toBe(`:${attr} can run script, so its value must be a literal string; pass data in another data-* attribute`);
      expect(err.loc).toMatchObject({ src: "page.sexp", line: 2, col: 6 + attr.length + 2 });
      expect(check(parse(src, { src: "page.sexp" }), { globals: ["x"] })).toEqual([{ loc: err.loc, message: err.message }]);
    }
  });

  it("refuse the probe's payloads: js: and javascript: values of hx-request, also as data-hx-request", () => {
    for (const v of ["js:a:alert(1)", "javascript:a:alert(1)", "js:alert(1)"]) {
      for (const attr of ["hx-request", "data-hx-request", "HX-Request", "hx-vals", "hx-headers"]) {
        expect(renderError(`(div :${attr} v "x")`, { v })).toBeInstanceOf(RenderError);
      }
    }
    // A variable, a call, a component parameter: any expression is data.
    expect(renderError("(defcomp ~b (&key vals) (button :hx-vals vals)) (~b :vals v)", { v: "js:alert(1)" }).loc).toMatchObject({ line: 1, col: 42 });
  });

  it("still render literal values, escaped", () => {
    for (const attr of spellings) {
      expect(html(`(div :${attr} "go(1) && a<b")`)).toBe(`<div ${attr}="go(1) &amp;&amp; a&lt;b"></div>`);
    }
    expect(html('(button :hx-post "/x" :hx-vals "{\\"id\\": 3}" :hx-trigger "click[ctrlKey]" :hx-on:click "go()" "b")')).toBe(
      '<button hx-post="/x" hx-vals="{&quot;id&quot;: 3}" hx-trigger="click[ctrlKey]" hx-on:click="go()">b</button>',
    );
    expect(html("(input :hx-ext :json-enc :hx-vars nil :onclick true)")).toBe('<input hx-ext="json-enc" onclick>');
  });

  it("htmx request and history URLs from data go through the URL rules", () => {
    for (const attr of ["hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url", "data-hx-get", "HX-GET", "Data-Hx-Post"]) {
      expect(html(`(a :${attr} u)`, { u: "javascript:alert(1)" })).toBe(`<a ${attr}="about:invalid#unsafe-url"></a>`);
      expect(html(`(a :${attr} u)`, { u: " JaVa\tScRiPt:alert(1)" })).toBe(`<a ${attr}="about:invalid#unsafe-url"></a>`);
      expect(html(`(a :${attr} "javascript:x")`)).toBe(`<a ${attr}="about:invalid#unsafe-url"></a>`);
      expect(html(`(a :${attr} u)`, { u: "/cart/add/?a=1&b=<2>" })).toBe(`<a ${attr}="/cart/add/?a=1&amp;b=&lt;2&gt;"></a>`);
    }
    expect(check(parse('(a :hx-get "javascript:x")'))[0]?.message).toMatch(/^unsafe URL in :hx-get/);
  });

  it("the htmx attributes on the allow-list, and data-* attributes, take data, escaped", () => {
    const v = `"'><script>alert(1)</script>&`;
    const escaped = "&quot;&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;";
    for (const attr of [
      "hx-target", "hx-select", "hx-select-oob", "hx-swap", "hx-swap-oob", "hx-include", "hx-indicator", "hx-confirm", "hx-prompt",
      "hx-params", "hx-sync", "hx-disabled-elt", "hx-encoding", "hx-boost", "hx-preserve", "hx-history", "hx-history-elt",
      "hx-disable", "hx-validate", "hx-inherit", "hx-disinherit", "data-hx-target", "HX-SWAP",
      "data-onclick", "data-one", "DATA-OnError", "data-srcdoc", "data-vals", "title",
    ]) {
      expect(html(`(div :${attr} v)`, { v })).toBe(`<div ${attr}="${escaped}"></div>`);
      expect(check(parse(`(div :${attr} v)`), { globals: ["v"] })).toEqual([]);
    }
    // The app's own use: hx-swap-oob from a condition.
    expect(html('(a :hx-swap-oob (when oob "outerHTML"))', { oob: true })).toBe('<a hx-swap-oob="outerHTML"></a>');
  });
});

describe("script and style content", () => {
  const SCRIPT_DATA = "<script> content must be literal strings or (json expr): any other data in a script would run as code";
  const STYLE_DATA = "<style> content must be literal strings or (css-value expr): any other data could rewrite the stylesheet";

  /** The compile error of `src`, which the checker reports too: the same message at the same position. */
  function refused(src: string, vars: Record<string, Value> = {}): string {
    const err = renderError(src, vars);
    expect(err).toBeInstanceOf(RenderError);
    const problems = check(parse(src, { src: "page.sexp" }), { globals: Object.keys(vars) });
    expect(problems).toContainEqual({ loc: err.loc, message: err.message });
    return `${err.loc!.line}:${err.loc!.col}: ${err.message}`;
  }

  it("the probe's payloads no longer run: data inside a script is a compile error", () => {
    const w = "';alert(1);//";
    expect(refused(`(script "var s = '" w "';")`, { w })).toBe(`1:21: ${SCRIPT_DATA}`);
    expect(refused("(div\n  (script w))", { w })).toBe(`2:11: ${SCRIPT_DATA}`);
    expect(refused("(style\n   x)", { x: "}body{background:red" })).toBe(`2:4: ${STYLE_DATA}`);
  });

  it("(json expr) puts data in a script as a value that cannot end the string, the element or a comment", () => {
    const w = "';alert(1);//";
    expect(html('(script "var s = " (json w) ";")', { w })).toBe(`<script>var s = "';alert(1);//";</script>`);
    expect(html('(script "var s = " (json w) ";")', { w: '";alert(1);//' })).toBe('<script>var s = "\\";alert(1);//";</script>');
    expect(html("(script (json w))", { w: "</script><script>alert(1)</script>" })).toBe(
      '<script>"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"</script>',
    );
    expect(html("(script (json w))", { w: "<!--<script>" })).toBe('<script>"\\u003c!--\\u003cscript\\u003e"</script>');
    expect(html("(script (json w))", { w: "-->" })).toBe('<script>"--\\u003e"</script>');
    expect(html("(script (json w))", { w: "a\u2028b\u2029c&d" })).toBe('<script>"a\\u2028b\\u2029c\\u0026d"</script>');
    expect(html('(script :type "application/json" (json d))', { d: new Map<string, Value>([["a", [1, "x", null, true]]]) })).toBe(
      '<script type="application/json">{"a":[1,"x",null,true]}</script>',
    );
  });

  it("(css-value expr) puts data in a style only when it is a plain CSS value", () => {
    const page = '(style ".a { color: " (css-value c) "; width: " (css-value w) " }")';
    expect(html(page, { c: "#fa0", w: "calc(100% - 2rem)" })).toBe("<style>.a { color: #fa0; width: calc(100% - 2rem) }</style>");
    expect(html(page, { c: "red; } body { background: url(//evil.example/x)", w: 3 })).toBe("<style>.a { color: unset; width: 3 }</style>");
    expect(html(page, { c: "</style><script>alert(1)</script>", w: null })).toBe("<style>.a { color: unset; width:  }</style>");
    expect(html(page, { c: Keyword.of("blue"), w: [1] })).toBe("<style>.a { color: blue; width: unset }</style>");
  });

  it("literal text from the source is kept as written, escaped once as a whole", () => {
    expect(html('(script "if (a < b && c) x = \\"y\\";")')).toBe('<script>if (a < b && c) x = "y";</script>');
    expect(html('(script "</scr" "ipt>" 1)')).toBe("<script><\\/script>1</script>");
    expect(html('(style "a > b { content: \'&\' }")')).toBe("<style>a > b { content: '&' }</style>");
    // Data never contains "<", so it cannot complete a literal "</scr".
    expect(html('(script "x = 1 </scr" (json w))', { w: "ipt>" })).toBe('<script>x = 1 </scr"ipt\\u003e"</script>');
  });

  it("anything else in a script or style is a compile error at the child, from the compiler and the checker alike", () => {
    const cases: [string, string][] = [
      ["(script x)", `1:9: ${SCRIPT_DATA}`],
      ["(style x)", `1:8: ${STYLE_DATA}`],
      ['(script (str "a" x))', `1:9: ${SCRIPT_DATA}`],
      ['(script (raw! "a"))', `1:9: ${SCRIPT_DATA}`],
      ["(script (list x))", `1:9: ${SCRIPT_DATA}`],
      ["(script :src \"/a.js\" nil)", `1:22: ${SCRIPT_DATA}`],
      ["(script (css-value x))", `1:9: ${SCRIPT_DATA}`],
      ["(style (json x))", `1:8: ${STYLE_DATA}`],
      ["(defcomp ~js (&key) \"1\") (script (~js))", `1:34: ${SCRIPT_DATA}`],
      ["(let ((json str)) (script (json x)))", `1:27: ${SCRIPT_DATA}`],
      ["(define (f json) (script (json x)))", `1:26: ${SCRIPT_DATA}`],
      ["(script (json))", "1:9: (json x) takes 1 argument, got 0"],
      ["(style (css-value x x))", "1:8: (css-value x) takes 1 argument, got 2"],
      [`(script "var s = '" (json x) "';")`, "1:21: (json expr) is a whole JavaScript value: write it where a value goes, not inside quotes"],
      ['(script "f(" (json x) "\\")")', "1:14: (json expr) is a whole JavaScript value: write it where a value goes, not inside quotes"],
    ];
    for (const [src, expected] of cases) expect(refused(src, { x: "a" }), src).toBe(expected);
  });

  it("a global named json does not change what (json expr) means in a script", () => {
    expect(html('(define (json x) "alert(1)") (script (json w))', { w: "a" })).toBe('<script>"a"</script>');
  });

  it("json and css-value are primitives too: the same text anywhere, HTML-escaped outside raw text", () => {
    expect(html('(div :data-d (json {:a "<b>"}) (json "&"))')).toBe('<div data-d="{&quot;a&quot;:&quot;\\u003cb\\u003e&quot;}">&quot;\\u0026&quot;</div>');
    expect(html('(div :style (str "color: " (css-value c)))', { c: "red;x:y" })).toBe('<div style="color: unset"></div>');
  });
});

describe("context-dependent safety", () => {
  it("data in script and style has no '<', so it is inert inside svg/math too", () => {
    const x = "<img src=x onerror=alert(1)>";
    expect(html("(svg (style (css-value x)))", { x })).toBe("<svg><style>unset</style></svg>");
    expect(html("(defcomp ~s (&key c) (style \".a { color: \" (css-value c) \" }\")) (svg (~s :c x))", { x })).toBe(
      "<svg><style>.a { color: unset }</style></svg>",
    );
    expect(html("(math (mrow (script (json x))))", { x })).toBe('<math><mrow><script>"\\u003cimg src=x onerror=alert(1)\\u003e"</script></mrow></math>');
    expect(html('(style "a > b { color: " (css-value x) " }")', { x: "red" })).toBe("<style>a > b { color: red }</style>");
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
