/**
 * Escaping: no string, wherever it is placed (text, attribute, URL attribute,
 * `(json x)` in a script, `(css-value x)` in a style), can produce markup,
 * a script URL, or code.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cssValue, isSafeCssValue, scriptJson } from "../src/embed.ts";
import { EvalError, LimitError, SexpError } from "../src/errors.ts";
import { UNSAFE_URL, escapeHtml, escapeRawText, isSafeUrl, safeUrl } from "../src/escape.ts";
import { createEnv, fromJson, renderForms } from "../src/program.ts";
import { parse } from "../src/reader.ts";
import { Html, Keyword, Sym, type Value } from "../src/types.ts";

const RUNS = { numRuns: 300 };

/** Any JS string, biased towards markup characters, controls and lone surrogates. */
const codeUnit = fc.oneof(
  fc.constantFrom("<", ">", "&", '"', "'", "/", "=", " ", "\t", "\n", ";", "#", ":", "!", "-"),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const anyString = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: codeUnit }),
  fc.string({ unit: fc.constantFrom("<", "/", "s", "c", "r", "i", "p", "t", "S", "T", "y", "l", "e", ">", "!", "-", " ") }),
);

const ENTITY = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" } as const;
const unescape = (s: string): string => s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITY[e as keyof typeof ENTITY]);

/** Render source with `x` (and optionally `y`) bound to the given values. */
function renderWith(src: string, vars: Record<string, Value>): string {
  const env = createEnv();
  for (const [k, v] of Object.entries(vars)) env.define(k, v);
  const out = renderForms(parse(src), env);
  if (typeof out !== "string") throw new Error("render went async");
  return out;
}

describe("escapeHtml", () => {
  it("escapes the five markup characters", () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    expect(escapeHtml("plain text, é 😀")).toBe("plain text, é 😀");
    expect(escapeHtml("")).toBe("");
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
    expect(escapeHtml("<<>>")).toBe("&lt;&lt;&gt;&gt;");
    expect(escapeHtml("a&")).toBe("a&amp;");
  });

  it("leaves no markup character, every & starts an entity, and unescaping gives the string back", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"']/);
        expect(e.replace(/&(?:amp|lt|gt|quot|#39);/g, "")).not.toContain("&");
        expect(unescape(e)).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe("text and attribute values from any string", () => {
  const p = parse("(p x)");
  const div = parse("(div :title x)");
  const both = parse('(a :class (list "c" x) :data-x x (span x) x)');

  it("(p x) is exactly one element", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const html = renderWith("(p x)", { x: s });
        expect(html).toMatch(/^<p>[^<>]*<\/p>$/);
        expect(unescape(html.slice(3, -4))).toBe(s);
        const env = createEnv();
        env.define("x", s);
        expect(renderForms(p, env)).toBe(html);
      }),
      RUNS,
    );
  });

  it("(div :title x) is exactly one element with one attribute", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const env = createEnv();
        env.define("x", s);
        const html = renderForms(div, env) as string;
        expect(html).toMatch(/^<div title="[^"<>]*"><\/div>$/);
        expect(unescape(html.slice('<div title="'.length, -'"></div>'.length))).toBe(s);
      }),
      RUNS,
    );
  });

  it("strings in lists, attribute lists and nested elements stay text", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const env = createEnv();
        env.define("x", s);
        const html = renderForms(both, env) as string;
        expect(html).toMatch(/^<a class="c [^"<>]*" data-x="[^"<>]*"><span>[^<>]*<\/span>[^<>]*<\/a>$/);
      }),
      RUNS,
    );
  });

  it("keyword and number values are escaped too", () => {
    expect(renderWith("(p :title :a&b x)", { x: 1.5 })).toBe('<p title="a&amp;b">1.5</p>');
  });
});

// ---------------------------------------------------------------------------
// URL attributes

/** What a browser does to an attribute value before finding the scheme. */
function browserScheme(attributeValue: string): string | null {
  const url = unescape(attributeValue)
    .replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, "")
    .replace(/[\t\n\r]/g, "");
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  return m ? m[1]!.toLowerCase() : null;
}
function normalizedUrl(attributeValue: string): string {
  return unescape(attributeValue)
    .replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, "")
    .replace(/[\t\n\r]/g, "");
}

const randomCase = (s: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(""));
/** Insert tabs/newlines/CRs (which browsers delete) between the characters of `s`. */
const sprinkle = (s: string): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof(fc.constant(""), fc.constant(""), fc.constantFrom("\t", "\n", "\r", "\r\n", "\t\t")), { minLength: s.length + 1, maxLength: s.length + 1 })
    .map((gaps) => [...s].map((c, i) => gaps[i] + c).join("") + gaps[s.length]);
const edgeJunk = fc.string({ unit: fc.integer({ min: 0, max: 0x20 }).map((c) => String.fromCharCode(c)), maxLength: 5 });
const payload = fc.oneof(
  fc.constantFrom(
    "alert(1)", "//%0aalert(1)", "text/html,<script>alert(1)</script>", "text/html;base64,PHNjcmlwdD4=",
    "image/svg+xml,<svg onload=alert(1)>", "TEXT/HTML,x", "msgbox(1)", "", ",x", "image/png", "imagepng;base64,x",
  ),
  fc.string({ unit: codeUnit, maxLength: 10 }),
);
const dangerousUrl = fc
  .tuple(edgeJunk, fc.constantFrom("javascript", "vbscript", "data").chain(randomCase).chain(sprinkle), sprinkle(":"), payload, edgeJunk)
  .map((parts) => parts.join(""));

const SAFE_DATA_URL = /^data:image\/(?:png|gif|jpeg|jpg|webp|avif|bmp|x-icon)[;,]/i;

describe("URL attributes", () => {
  const forms = ["href", "src", "action", "formaction", "xlink:href", "HREF", "Src", "poster"].map((attr) => ({
    attr,
    forms: parse(`(a :${attr} x)`),
  }));

  it("never render a script URL, after the browser's normalization", () => {
    fc.assert(
      fc.property(dangerousUrl, fc.constantFrom(...forms), (url, { attr, forms }) => {
        const env = createEnv();
        env.define("x", url);
        const html = renderForms(forms, env) as string;
        const m = new RegExp(`^<a ${attr}="([^"<>]*)"></a>$`).exec(html);
        expect(m, html).not.toBeNull();
        const value = m![1]!;
        const scheme = browserScheme(value);
        expect(scheme === "javascript" || scheme === "vbscript").toBe(false);
        if (scheme === "data") expect(normalizedUrl(value)).toMatch(SAFE_DATA_URL);
        // Either the URL is kept as it was or replaced by the inert one.
        expect([url, UNSAFE_URL]).toContain(unescape(value));
      }),
      { numRuns: 500 },
    );
  });

  it("refuses script URLs in every written form", () => {
    for (const url of [
      "javascript:alert(1)", "JAVASCRIPT:alert(1)", " \t\njavascript:x", "\x00javascript:x", "java\tscript:x", "java\nscript:x",
      "javascript\r\n:x", "vbscript:msgbox", "VbScRiPt:x", "data:text/html,<script>", "data:image/svg+xml,<svg onload=x>",
      "DATA:text/html;base64,PHNjcmlwdD4=", " data:,x", "javascript:x\x01 ",
    ]) {
      expect(isSafeUrl(url), JSON.stringify(url)).toBe(false);
      expect(safeUrl(url)).toBe(UNSAFE_URL);
      expect(renderWith("(a :href x)", { x: url })).toBe(`<a href="${UNSAFE_URL}"></a>`);
    }
  });

  it("keeps ordinary URLs, escaped", () => {
    for (const url of [
      "https://example.com/a?b=1&c=2#d", "http://x", "/x", "x/y", "../up", "#frag", "?q=1", "", "mailto:a@b.c", "tel:+1",
      "data:image/png;base64,iVBORw0KGgo=", "DATA:IMAGE/JPEG;base64,/9j/", "data:image/gif,GIF89a", "//cdn.example/x.js",
      "javascript-guide.html", "/javascript:x", "./javascript:x", "?javascript:x", "#javascript:x",
    ]) {
      expect(isSafeUrl(url), url).toBe(true);
      expect(renderWith("(a :href x)", { x: url })).toBe(`<a href="${escapeHtml(url)}"></a>`);
    }
  });

  it("checks URL attributes whatever their case, and list and keyword values", () => {
    expect(renderWith('(a :HREF "javascript:alert(1)")', {})).toBe(`<a HREF="${UNSAFE_URL}"></a>`);
    expect(renderWith('(img :SRC "javascript:x")', {})).toBe(`<img SRC="${UNSAFE_URL}">`);
    expect(renderWith('(form :Action "javascript:x")', {})).toBe(`<form Action="${UNSAFE_URL}"></form>`);
    expect(renderWith('(a :href (list "javascript:x"))', {})).toBe(`<a href="${UNSAFE_URL}"></a>`);
    expect(renderWith("(a :href :javascript:x)", {})).toBe(`<a href="${UNSAFE_URL}"></a>`);
    expect(renderWith('(button :formaction x "go")', { x: "javascript:x" })).toBe(`<button formaction="${UNSAFE_URL}">go</button>`);
    // Non-URL attributes are only escaped.
    expect(renderWith('(a :title "javascript:x")', {})).toBe('<a title="javascript:x"></a>');
  });
});

// ---------------------------------------------------------------------------
// Raw-text elements

describe("script and style content", () => {
  it("breaks up closing tags and comment/script openers", () => {
    expect(escapeRawText("a</script>b</SCRIPT >c")).toBe("a<\\/script>b<\\/SCRIPT >c");
    expect(escapeRawText("</style><!--<script>")).toBe("<\\/style><\\!--<\\script>");
    expect(escapeRawText("if (a < b && c > d) x = '</p>';")).toBe("if (a < b && c > d) x = '</p>';");
  });

  for (const [tag, form] of [["script", "json"], ["style", "css-value"]] as const) {
    const close = new RegExp(`</${tag}`, "gi");
    it(`(${tag} (${form} x)): exactly one </${tag}, at the end, and no "<" from data, for any string`, () => {
      const forms = parse(`(${tag} (${form} x))`);
      const split = parse(`(${tag} "</${tag.slice(0, 3)}" (${form} x) "${tag.slice(3)}>")`);
      fc.assert(
        fc.property(anyString, (s) => {
          for (const f of [forms, split]) {
            const env = createEnv();
            env.define("x", s);
            const html = renderForms(f, env) as string;
            expect(html.match(close)).toHaveLength(1);
            expect(html.startsWith(`<${tag}>`)).toBe(true);
            expect(html.endsWith(`</${tag}>`)).toBe(true);
          }
          const content = renderWith(`(${tag} (${form} x))`, { x: s }).slice(tag.length + 2, -(tag.length + 3));
          // Nothing that ends the element, opens a comment, starts a tag (inside svg) or ends a JS line.
          expect(content).not.toMatch(/[<\u2028\u2029]/);
          if (tag === "script") expect(JSON.parse(content)).toBe(s);
          else expect([s, "unset"]).toContain(content);
        }),
        { numRuns: 500 },
      );
    });
  }

  it("(json x) round-trips any JSON data through JSON.parse", () => {
    const forms = parse('(script :type "application/json" (json x))');
    fc.assert(
      fc.property(fc.jsonValue(), (data) => {
        const env = createEnv();
        env.define("x", fromJson(data));
        const html = renderForms(forms, env) as string;
        const content = html.slice('<script type="application/json">'.length, -"</script>".length);
        expect(content).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(content)).toEqual(JSON.parse(JSON.stringify(data)));
      }),
      { numRuns: 300 },
    );
  });
});

/** The SexpError `f` throws (fails the test when it returns). */
function thrown(f: () => unknown): SexpError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SexpError);
    return e as SexpError;
  }
  throw new Error("expected an error");
}

describe("scriptJson", () => {
  it("serialises every kind of value", () => {
    const v: Value = [Keyword.of("k"), Sym.of("s"), new Html("<b>"), NaN, Infinity, -0, 1e21, null, false, new Map([["__proto__", 1]])];
    expect(scriptJson(v)).toBe('["k","s","\\u003cb\\u003e",null,null,0,1e+21,null,false,{"__proto__":1}]');
    expect(scriptJson(Object.assign(Object.create(null), { a: [1] }) as Value)).toBe('{"a":[1]}');
    expect(scriptJson("\ud800\u2028")).toBe('"\\ud800\\u2028"');
  });

  it("refuses functions, naming the type", () => {
    expect(() => renderWith("(script (json (fn (x) x)))", {})).toThrow("json: cannot serialise a lambda");
    expect(() => renderWith("(script (json (list 1 inc)))", {})).toThrow("json: cannot serialise a function");
    const err = thrown(() => renderWith('(defcomp ~c (&key) 1)\n(script\n  (json (list ~c)))', {}));
    expect(err).toBeInstanceOf(EvalError);
    expect(err.message).toBe("json: cannot serialise a component");
    expect(err.loc).toMatchObject({ line: 3, col: 3 });
  });

  it("charges every item to the step budget and stops at the nesting limit, without a stack overflow", () => {
    // 2^30 items, each list shared with itself: the budget stops it long before.
    const doubling = "(json (reduce (fn (acc i) (list acc acc)) 1 (range 30)))";
    for (const src of [`(script ${doubling})`, `(p ${doubling})`]) {
      expect(() => renderForms(parse(src), createEnv(), { limits: { maxSteps: 100_000 } }), src).toThrow(LimitError);
    }
    let deep: Value = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    for (const src of ["(script (json d))", "(p (json d))"]) {
      const err = thrown(() => renderWith(src, { d: deep }));
      expect(err, src).toBeInstanceOf(LimitError);
      expect(err.message).toBe("json: value nested deeper than 1000 levels");
    }
    let ok: Value = 1;
    for (let i = 0; i < 1000; i++) ok = [ok];
    expect(scriptJson(ok)).toBe("[".repeat(1000) + "1" + "]".repeat(1000));
  });
});

describe("cssValue", () => {
  it("keeps plain CSS values", () => {
    for (const v of [
      "red", "#fa0", "#FFAA0080", "1px", "-1.5em", ".5rem", "100%", "0", "1e3px", "bold 12px/1.5 sans-serif", "1px solid #ccc",
      "rgb(0 0 0 / 50%)", "rgba(0,0,0,.5)", "HSL(120deg 50% 50%)", "oklch(70% 0.1 200)", "calc(100% - 2rem)", "calc(1px + 2px)",
      "clamp(1rem, 2.5vw, 2rem)", "var(--gap)", "var(--x, 4px)", "linear-gradient(to right, red 0%, blue 100%)",
      "translate(-50%, -50%) rotate(45deg)", "0 0 1px rgba(0, 0, 0, .5)", "  spaced  ", "--custom-ident", "color-mix(in srgb, red 50%, blue)",
      "min(max(1px, 2px), calc(3px - 1px))", "repeat(3, minmax(0, 1fr))",
    ]) {
      expect(isSafeCssValue(v), v).toBe(true);
      expect(cssValue(v)).toBe(v);
    }
    expect(cssValue(Keyword.of("auto"))).toBe("auto");
    expect(cssValue(-2.5)).toBe("-2.5");
    expect(cssValue(null)).toBe("");
  });

  it("replaces anything else with unset", () => {
    for (const v of [
      "", " ", "red;", "red; color: blue", "a}b", "a{b", "url(x)", "URL(x)", "url( x )", "image(x)", "image-set(x 1x)", "-webkit-image-set(x 1x)",
      "expression(alert(1))", "cross-fade(a, b)", "element(#x)", "attr(data-x url)", "paint(x)", "src(x)", "r\\65 d", "'a'", '"a"', "a<b", "a>b",
      "@import", "!important", "red !important", "2 * 3", "calc(2 * 3px)", "/* x */", "a/", "/a", ",a", "a,", "a,,b", "rgb(", "rgb())", ")",
      "rgb(1 2 3", "rgb(1 2 3))", "f()", "calc()", "a\nb", "a\tb", "é", "a - b", "- a", "#abcdefghi", "#", "--", "-", ".", "(a)",
      "rgb(" .repeat(40) + "0" + ")".repeat(40), "\u2028", "a\u00a0b",
    ]) {
      expect(isSafeCssValue(v), JSON.stringify(v)).toBe(false);
      expect(cssValue(v)).toBe("unset");
    }
    for (const v of [NaN, Infinity, true, [1], new Map(), new Html("red")] as Value[]) expect(cssValue(v)).toBe("unset");
  });

  it("never lets any string out of the declaration", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: fc.constantFrom(..."abcdefghlorsux(),/ %#-+.;:'\"\\{}!*<>@0123456789") })), (s) => {
        const out = cssValue(s);
        expect([s, "unset"]).toContain(out);
        expect(out).toMatch(/^[a-zA-Z0-9_\-.#%,/ ()+]*$/);
        expect(out.toLowerCase()).not.toMatch(/url\(|image|expression|\/\*/);
        let depth = 0;
        for (const c of out) {
          depth += c === "(" ? 1 : c === ")" ? -1 : 0;
          expect(depth).toBeGreaterThanOrEqual(0);
        }
        expect(depth).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });
});
