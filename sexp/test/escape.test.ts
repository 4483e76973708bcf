/**
 * Escaping: no string, wherever it is placed (text, attribute, URL attribute,
 * script or style content), can produce markup or a script URL.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UNSAFE_URL, escapeHtml, escapeRawText, isSafeUrl, safeUrl } from "../src/escape.ts";
import { createEnv, renderForms } from "../src/program.ts";
import { parse } from "../src/reader.ts";
import type { Value } from "../src/types.ts";

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

  for (const tag of ["script", "style"]) {
    const close = new RegExp(`</${tag}`, "gi");
    it(`(${tag} x): exactly one </${tag}, at the end, for any string`, () => {
      const forms = parse(`(${tag} x)`);
      fc.assert(
        fc.property(anyString, (s) => {
          const env = createEnv();
          env.define("x", s);
          const html = renderForms(forms, env) as string;
          expect(html.match(close)).toHaveLength(1);
          expect(html.startsWith(`<${tag}>`)).toBe(true);
          expect(html.endsWith(`</${tag}>`)).toBe(true);
          // Nor can the content switch the tokenizer into its escaped states.
          const content = html.slice(tag.length + 2, -(tag.length + 3));
          expect(content).not.toMatch(/<!--|<script/i);
        }),
        { numRuns: 500 },
      );
    });

    it(`(${tag} (list x y)): pieces cannot join into a closing tag`, () => {
      const forms = parse(`(${tag} (list x y))`);
      fc.assert(
        fc.property(anyString, anyString, (x, y) => {
          const html = renderWith(`(${tag} (list x y))`, { x, y });
          expect(html.match(close)).toHaveLength(1);
          const env = createEnv();
          env.define("x", x);
          env.define("y", y);
          expect(renderForms(forms, env)).toBe(html);
        }),
        RUNS,
      );
      // Content that involves data has every "<" escaped (JS/JSON \u003c, CSS \3c).
      const lt = tag === "style" ? "\\3c " : "\\u003c";
      expect(renderWith(`(${tag} (list "</${tag.slice(0, 3)}" x))`, { x: tag.slice(3) + ">" })).toBe(`<${tag}>${lt}/${tag}></${tag}>`);
    });

    it(`(${tag} a b): separate children cannot join into a closing tag`, () => {
      const html = renderWith(`(${tag} "</${tag.slice(0, 3)}" x)`, { x: tag.slice(3) + "><img src=x onerror=alert(1)>" });
      expect(html.match(close)).toHaveLength(1);
    });
  }

  it("raw-text content is not entity-escaped", () => {
    expect(renderWith('(script "if (a < b && c) x = \\"y\\";")', {})).toBe('<script>if (a < b && c) x = "y";</script>');
    expect(renderWith('(style "a > b { content: \'&\' }")', {})).toBe("<style>a > b { content: '&' }</style>");
  });
});
