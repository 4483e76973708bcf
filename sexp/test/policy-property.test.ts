/**
 * The untrusted policy, as a property: random programs (elements with
 * dangerous names, attributes with dangerous names and values, htmx
 * attributes, `raw!`, definitions, a write primitive, library components,
 * data from variables, lists and maps, URLs with tricky schemes and
 * slashes) are checked with `policy: untrusted`; whatever passes is
 * rendered with hostile data and parsed by a real HTML parser (parse5, as a
 * browser would build the page), and the page must not be able to run
 * script, embed or redirect, or send htmx requests or forms off the site.
 */
import fc from "fast-check";
import { parse as parseHtml, type DefaultTreeAdapterTypes } from "parse5";
import { describe, expect, it } from "vitest";
import {
  Html,
  SexpError,
  basePrimitives,
  checkSource,
  createEnv,
  fromJson,
  parse,
  policyLimits,
  printString,
  renderForms,
  untrusted,
} from "../src/index.ts";

// ---------------------------------------------------------------------------
// The world the content runs in

/** Strings an attacker would put in the data. */
const HOSTILE = [
  "javascript:alert(1)",
  " JaVaScRiPt:alert(1)",
  "java\tscript:alert(1)",
  "java\nscript:alert(1)",
  "\u0001javascript:alert(1)",
  "vbscript:msgbox(1)",
  "data:text/html,<script>alert(1)</script>",
  "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
  "data:image/svg+xml,<svg onload=alert(1)>",
  "//evil.example/x",
  "/\\evil.example/x",
  "/\t/evil.example/x",
  "https://evil.example/",
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  "</style><script>alert(1)</script>",
  "<!--",
  "url(javascript:alert(1))",
  "background:url(//evil.example/x.png)",
  "expression(alert(1))",
  'x" onmouseover="alert(1)',
  "/a.png 1x, javascript:alert(1) 2x",
  "/ok/path",
  "plain text",
];

const VARS = HOSTILE.map((_, i) => `v${i}`);

function hostileEnv() {
  const registry = basePrimitives.extend();
  // A write: if it ever ran, the page would carry a script.
  registry.defineIO({
    name: "action",
    params: "service name &rest args",
    doc: "Change data (test double).",
    names: 2,
    effect: "write",
    fn: () => new Html("<script>alert('write')</script>"),
  });
  const env = createEnv(registry);
  HOSTILE.forEach((s, i) => env.define(VARS[i]!, s));
  env.define("items", fromJson(HOSTILE.slice(0, 6).map((s, i) => ({ href: s, title: HOSTILE[(i + 7) % HOSTILE.length], n: i }))));
  env.define("m", fromJson({ href: HOSTILE[0], style: HOSTILE[18] }));
  return { registry, env };
}

/** The app's own components and functions, which untrusted content may use (trusted code). */
const LIB = `
(defcomp ~card (&key title href children) (div :class "card" (a :href href title) children))
(define (greet x) (str "Hello, " x))
(define (buy) (action cart add))
(defcomp ~buy-button (&key id) (button :hx-post "/cart/add" (action cart add :id id)))
`;

// ---------------------------------------------------------------------------
// Programs

const TAGS = [
  "div", "p", "span", "a", "img", "form", "button", "input", "ul", "li", "section", "svg", "use", "math", "mi",
  "area", "video", "source", "template", "noscript", "textarea", "title", "my-widget",
];
/** Refused, also written in another case, or not an element at all (`frame`). */
const DANGEROUS_TAGS = ["script", "style", "iframe", "object", "embed", "base", "meta", "link", "frame", "SCRIPT", "Iframe"];

const ATTRIBUTES = [
  "href", "HREF", "src", "action", "formaction", "formAction", "srcset", "ping", "poster", "data", "xlink:href", "background", "cite",
  "style", "Style", "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url", "data-hx-get",
  "DATA-HX-POST", "hx-target", "hx-swap", "class", "id", "title", "data-x", "lang", "target", "rel", "type", "name", "value",
];
/** Attributes that run script or that htmx evaluates. */
const DANGEROUS_ATTRIBUTES = [
  "onclick", "ONCLICK", "onerror", "onmouseover", "srcdoc", "hx-on:click", "hx-on::after-request", "data-hx-on:click", "hx-vals",
  "hx-headers", "hx-trigger", "hx-vars",
];

/** Literal attribute values: URLs with tricky schemes and slashes, CSS, script. */
const LITERALS = [
  ...HOSTILE,
  "/cart/add", "/", "/a/b?c=d#e", "true", "false", "click", "#main", "outerHTML", "color: red; margin: 0",
  "/a.png 1x, /b.png 2x", "/a.png 1x, javascript:alert(1) 2x", "js:{a: alert(1)}", "click[alert(1)]",
  "data:image/png;base64,iVBORw0KGgo=", "mailto:a@example.com", "tel:123", "?page=2", "#top", "x.html",
];

const str = (s: string) => printString(s);
const pick = <T,>(xs: readonly T[]) => fc.constantFrom(...xs);

/** Paths on the site, the values htmx requests and form actions may take. */
const PATHS = ["/cart/add", "/", "/a/b?c=d#e", "/blog/post-1/", "  /spaced/", "/search?q=javascript:x"];

const variable = pick(VARS);
const literal = pick(LITERALS).map(str);
const path = pick(PATHS).map(str);

/** An attribute value: literal, data, or computed from data. */
const attrValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: path },
  { weight: 3, arbitrary: literal },
  { weight: 4, arbitrary: variable },
  { weight: 1, arbitrary: fc.tuple(literal, variable).map(([a, b]) => `(str ${a} ${b})`) },
  { weight: 1, arbitrary: fc.tuple(literal, variable).map(([a, b]) => `(list ${a} ${b})`) },
  { weight: 1, arbitrary: pick(["(:href m)", "(:style m)", "(greet v0)", '(get m "href")']) },
  { weight: 1, arbitrary: pick(["true", "false", "nil", "1", ":kw", "{:a v0}"]) },
);

const attributeName = fc.oneof({ weight: 8, arbitrary: pick(ATTRIBUTES) }, { weight: 1, arbitrary: pick(DANGEROUS_ATTRIBUTES) });
const attribute = fc.tuple(attributeName, attrValue).map(([n, v]) => `:${n} ${v}`);
const tag = fc.oneof({ weight: 8, arbitrary: pick(TAGS) }, { weight: 1, arbitrary: pick(DANGEROUS_TAGS) });

const { child } = fc.letrec<{ child: string; element: string }>((tie) => ({
  child: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 2, arbitrary: literal },
    { weight: 2, arbitrary: variable },
    { weight: 6, arbitrary: tie("element") },
    { weight: 1, arbitrary: tie("child").map((c) => `(raw! ${c})`) },
    { weight: 1, arbitrary: fc.tuple(variable, tie("child")).map(([v, c]) => `(when ${v} ${c})`) },
    { weight: 1, arbitrary: fc.tuple(variable, tie("child")).map(([v, c]) => `(let ((w ${v})) ${c} w)`) },
    { weight: 1, arbitrary: fc.tuple(tag, attributeName).map(([t, a]) => `(map (fn (i) (${t} :${a} (:href i) (:title i))) items)`) },
    { weight: 1, arbitrary: fc.tuple(attrValue, tie("child")).map(([h, c]) => `(~card :title "t" :href ${h} ${c})`) },
    { weight: 1, arbitrary: pick(["(action cart add :id 1)", "(buy)", "(~buy-button :id 1)", "(map action items)", "(json v0)", "(greet v3)"]) },
  ),
  element: fc
    .tuple(tag, fc.array(attribute, { minLength: 1, maxLength: 2 }), fc.array(tie("child"), { maxLength: 2 }))
    .map(([t, attrs, children]) => `(${[t, ...attrs, ...children].join(" ")})`),
}));

/** A form, not a bare literal or variable. */
const form = child.filter((c) => c.startsWith("("));
const topLevel = fc.oneof(
  { weight: 15, arbitrary: form },
  { weight: 1, arbitrary: child.map((c) => `(define page ${c})`) },
  { weight: 1, arbitrary: child.map((c) => `(defcomp ~mine (&key x) ${c})`) },
  { weight: 1, arbitrary: pick(['(defroute "/x/" (p "x"))', "(defaction cart wipe (&key) :sql \"DELETE FROM carts\")"]) },
);

const program = fc.array(topLevel, { minLength: 1, maxLength: 2 }).map((forms) => forms.join("\n"));

// ---------------------------------------------------------------------------
// What the page must not hold, read as a browser reads it

const REFUSED_ELEMENTS = new Set(["script", "iframe", "object", "embed", "base", "meta", "link", "style", "frame", "frameset"]);
/** Attributes holding one URL. */
const URL_ATTRIBUTES = new Set([
  "href", "src", "action", "formaction", "poster", "cite", "background", "longdesc", "usemap", "manifest", "icon", "codebase",
  "data", "xlink:href", "profile", "classid",
]);
/** Attributes holding several. */
const URL_LIST_ATTRIBUTES = new Set(["srcset", "imagesrcset", "ping", "archive"]);
const HTMX_REQUESTS = new Set(["hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "hx-push-url", "hx-replace-url"]);

/** A URL as the browser's URL parser sees it: tab and newlines dropped, C0 controls and spaces trimmed. */
function normalizedUrl(value: string): string {
  return value.replace(/[\t\n\r]/g, "").replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, "").toLowerCase();
}

/** `javascript:`, `vbscript:`, or a `data:` URL other than a raster image (which cannot run script). */
function runsScript(url: string): boolean {
  const u = normalizedUrl(url);
  if (u.startsWith("javascript:") || u.startsWith("vbscript:")) return true;
  return u.startsWith("data:") && !/^data:image\/(?:png|gif|jpeg|jpg|webp|avif|bmp|x-icon)[;,]/.test(u);
}

function sameOriginPath(url: string): boolean {
  const u = normalizedUrl(url);
  return u.startsWith("/") && u[1] !== "/" && u[1] !== "\\";
}

/** Everything wrong with the page, as `<tag attr="value">: why`. */
function dangers(html: string): string[] {
  const found: string[] = [];
  const visit = (n: DefaultTreeAdapterTypes.Node): void => {
    if ("tagName" in n) {
      const tag = n.tagName.toLowerCase();
      if (REFUSED_ELEMENTS.has(tag)) found.push(`<${tag}>`);
      for (const { name: raw, value } of n.attrs) {
        const name = raw.toLowerCase();
        const htmx = name.startsWith("data-hx-") ? name.slice(5) : name;
        const at = `<${tag} ${raw}=${JSON.stringify(value)}>`;
        if (name.startsWith("on")) found.push(`${at}: event handler`);
        if (name === "srcdoc") found.push(`${at}: srcdoc`);
        if (htmx.startsWith("hx-on") || htmx === "hx-vars") found.push(`${at}: htmx runs it`);
        if (["hx-vals", "hx-headers", "hx-request"].includes(htmx) && /^\s*(js|javascript):/i.test(value)) found.push(`${at}: htmx evaluates it`);
        if (htmx === "hx-trigger" && value.includes("[")) found.push(`${at}: htmx evaluates the filter`);
        if (name === "style" && /url\(|expression\(/i.test(value)) found.push(`${at}: style loads a URL`);
        if (URL_ATTRIBUTES.has(name) && runsScript(value)) found.push(`${at}: script URL`);
        if (URL_LIST_ATTRIBUTES.has(name) && value.split(/[,\s]+/).some(runsScript)) found.push(`${at}: script URL in a list`);
        if (HTMX_REQUESTS.has(htmx) && !sameOriginPath(value) && !(htmx.endsWith("-url") && ["true", "false"].includes(value))) {
          found.push(`${at}: htmx request off the site`);
        }
        if (((name === "action" && tag === "form") || name === "formaction") && !sameOriginPath(value)) found.push(`${at}: form off the site`);
      }
    }
    if ("content" in n && n.content) visit(n.content as DefaultTreeAdapterTypes.Node);
    if ("childNodes" in n) for (const c of n.childNodes) visit(c);
  };
  visit(parseHtml(`<!doctype html><html><head></head><body>${html}</body></html>`));
  return found;
}

// ---------------------------------------------------------------------------

describe("the untrusted policy, as a property", () => {
  const { registry, env } = hostileEnv();
  const lib = parse(LIB, { src: "lib.sexp" });
  const globals = ["items", "m", ...VARS];

  it("the oracle finds what it looks for", () => {
    expect(dangers('<a href=" JaVa&#x09;script:alert(1)">x</a>')).toHaveLength(1);
    expect(dangers('<div hx-get="/\\evil.example"></div><form action="//x"></form><svg><script>1</script></svg>')).toHaveLength(3);
    expect(dangers('<template><img src=x onerror=alert(1)></template><p style="background:URL(x)">')).toHaveLength(2);
    expect(dangers('<a href="/ok" hx-get="/ok" hx-push-url="true"><img srcset="/a.png 1x" src="data:image/png;base64,AA"></a>')).toEqual([]);
  });

  it("whatever check accepts renders to a page that cannot run script or leave the site", () => {
    let accepted = 0;
    let refused = 0;
    let withAttributes = 0;
    fc.assert(
      fc.property(program, (text) => {
        const problems = checkSource(text, { src: "content.sexp", policy: untrusted, registry, lib, globals });
        if (problems.length) {
          refused++;
          return;
        }
        accepted++;
        let html: string;
        try {
          const page = createEnv(env);
          const out = renderForms([...lib, ...parse(text, { src: "content.sexp" })], page, { limits: policyLimits(untrusted) });
          if (typeof out !== "string") throw new Error("rendering went async");
          html = out;
        } catch (e) {
          // A run-time error (a map as an attribute, say) renders nothing at all.
          if (e instanceof SexpError) return;
          throw e;
        }
        if (/<[a-z][^>]*\s[^\s=>]+="/.test(html)) withAttributes++;
        expect(dangers(html), `${text}\n=> ${html}`).toEqual([]);
      }),
      { numRuns: 4000, seed: 20260101 },
    );
    // Both sides of the property were exercised, and accepted pages carry attributes.
    expect(refused).toBeGreaterThan(1000);
    expect(accepted).toBeGreaterThan(400);
    expect(withAttributes).toBeGreaterThan(200);
  });
});
