/** Checker policies (policy.ts): `app` is today's rules; each rule of `untrusted`, with its message and position. */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIMITS,
  LimitError,
  app,
  basePrimitives,
  check,
  checkSource,
  createEnv,
  evaluate,
  isSameOriginPath,
  parse,
  policyLimits,
  untrusted,
  type CheckOptions,
} from "../src/index.ts";

const registry = basePrimitives.extend();
registry.defineIO({ name: "action", params: "service name &rest args", doc: "Change data.", names: 2, effect: "write", fn: () => null });
registry.defineIO({ name: "query", params: "service name &rest args", doc: "Read data.", names: 2, fn: () => null });
registry.defineIO({ name: "now", params: "", doc: "The clock.", effect: "volatile", fn: () => 0 });

/** Problems under the untrusted policy, as `line:col: message`. */
function refused(text: string, options: CheckOptions = {}): string[] {
  return check(parse(text, { src: "t.sexp" }), { registry, globals: ["x", "items"], policy: untrusted, ...options }).map(
    (p) => `${p.loc.line}:${p.loc.col}: ${p.message}`,
  );
}

const DEFINES = "it may use the definitions it is given, not make its own";
const samePath = (name: string, alternatives = "") =>
  `:${name} in untrusted content must be a literal path on this site, like "/cart/add" (not a full URL or "//host")${alternatives}`;
const STYLE = ":style in untrusted content must be a literal without url(), image-set(), CSS escapes, expression() or @import";

describe("the app policy", () => {
  it("is the default, and today's rules: nothing more is refused", () => {
    const text = '(define (f) 1) (defcomp ~c (&key a) a) (div :onclick "go()" :style x (script "1") (raw! "<b>") (action cart add) (f) (~c :a 1))';
    const options = { registry, globals: ["x"] };
    expect(check(parse(text), options)).toEqual([]);
    expect(check(parse(text), { ...options, policy: app })).toEqual([]);
    // The language's own rules still hold.
    expect(check(parse("(p (nosuch))"), { policy: app }).map((p) => p.message)).toEqual(["unknown symbol 'nosuch'"]);
  });

  it("runs under the default limits, with no source or nesting limit", () => {
    expect(policyLimits(app)).toEqual(DEFAULT_LIMITS);
    expect(app.limits.maxSourceBytes).toBeNull();
    expect(app.limits.maxNesting).toBeNull();
  });
});

describe("policies are plain data", () => {
  it("survive a JSON round trip and cannot be changed in place", () => {
    expect(JSON.parse(JSON.stringify(untrusted))).toEqual(untrusted);
    expect(Object.isFrozen(untrusted) && Object.isFrozen(untrusted.elements) && Object.isFrozen(untrusted.limits)).toBe(true);
  });

  it("a host can derive its own", () => {
    const noHtmx = { ...untrusted, name: "embed", sameOrigin: {} };
    expect(refused('(div :hx-get "https://x.example/")', { policy: noHtmx })).toEqual([]);
    expect(refused('(raw! "x")', { policy: noHtmx })).toEqual(["1:1: (raw! ...) is not allowed in embed content: it puts text into the page as markup, unescaped"]);
  });

  it("a derived one may refuse attributes whatever their value: in any case, as data-hx-* too, at the attribute's name", () => {
    expect(app.attributes).toEqual({});
    expect(untrusted.attributes).toEqual({});
    const quiet = { ...untrusted, name: "quiet", attributes: { "hx-post": "it sends a request", action: "it names where a form goes" } };
    for (const value of ['"/cart/add"', '"https://x.example/"', "nil", "false", "true", "x"]) {
      expect(refused(`(button :hx-post ${value} "b")`, { policy: quiet }), value).toEqual(["1:9: :hx-post is not allowed in quiet content: it sends a request"]);
    }
    expect(refused('(p (button :DATA-HX-POST "/x" "b") (form :Action "/y"))', { policy: quiet })).toEqual([
      "1:12: :DATA-HX-POST is not allowed in quiet content: it sends a request",
      "1:42: :Action is not allowed in quiet content: it names where a form goes",
    ]);
    // The rest is untrusted's, as before.
    expect(refused('(div :hx-get "/x" :hx-put "/y")', { policy: quiet })).toEqual([]);
    expect(refused('(div :hx-get "//x.example/")', { policy: quiet })).toEqual([`1:14: ${samePath("hx-get").replace("untrusted", "quiet")}`]);
  });
});

describe("the untrusted policy refuses", () => {
  it("raw!, wherever it stands", () => {
    expect(refused('(div (p (raw! "<b>x</b>")))')).toEqual(["1:9: (raw! ...) is not allowed in untrusted content: it puts text into the page as markup, unescaped"]);
  });

  it("every defining form", () => {
    expect(refused("(define x 1)")).toEqual([`1:1: (define ...) is not allowed in untrusted content: ${DEFINES}`]);
    expect(refused("(let () (define (f) 1) (f))")).toEqual([`1:9: (define ...) is not allowed in untrusted content: ${DEFINES}`]);
    expect(refused("(defcomp ~c (&key a) a)")).toEqual([`1:1: (defcomp ...) is not allowed in untrusted content: ${DEFINES}`]);
    expect(refused('(defroute "/x/" (p 1))')).toEqual([`1:1: (defroute ...) is not allowed in untrusted content: ${DEFINES}`]);
    expect(refused('(defquery blog all (&key) :sql "SELECT 1")')).toEqual([`1:1: (defquery ...) is not allowed in untrusted content: ${DEFINES}`]);
    expect(refused('(defaction cart wipe (&key) :sql "DELETE FROM carts")')).toEqual([`1:1: (defaction ...) is not allowed in untrusted content: ${DEFINES}`]);
  });

  it("a primitive that writes: called, or passed as a value; reads and locals of that name are fine", () => {
    expect(refused("(p (action cart add :id 1))")).toEqual(["1:5: action is not allowed in untrusted content: it changes data"]);
    expect(refused("(p (map action items))")).toEqual(["1:9: action is not allowed in untrusted content: it changes data"]);
    expect(refused("(p (query blog posts) (now))")).toEqual([]);
    expect(refused("(let ((action inc)) (p (action 1)))")).toEqual([]);
  });

  it("a library function or component that writes, through what it calls", () => {
    const lib = parse("(define (buy) (action cart add)) (define (twice) (buy) (buy)) (defcomp ~buy (&key) (p (buy))) (define (safe) 1)", { src: "lib.sexp" });
    expect(refused("(p (twice) (safe))", { lib })).toEqual(["1:5: twice is not allowed in untrusted content: it changes data (through what it calls)"]);
    expect(refused("(~buy)", { lib })).toEqual(["1:1: ~buy is not allowed in untrusted content: it changes data (through what it calls)"]);
    expect(refused("(p (map buy items))", { lib })).toEqual(["1:9: buy is not allowed in untrusted content: it changes data (through what it calls)"]);
  });

  it("elements that run script, embed other pages or change how the page loads", () => {
    const cases: [string, string][] = [
      ["script", "it runs script"],
      ["style", "a stylesheet restyles the whole page and loads URLs"],
      ["iframe", "it embeds another page or plugin"],
      ["object", "it embeds another page or plugin"],
      ["embed", "it embeds another page or plugin"],
      ["base", "it changes where every link on the page goes"],
      ["meta", "it can redirect or reconfigure the page"],
      ["link", "it loads stylesheets and other resources into the page"],
    ];
    for (const [tag, why] of cases) {
      expect(refused(`(div (${tag}))`), tag).toEqual([`1:6: <${tag}> is not allowed in untrusted content: ${why}`]);
    }
  });

  it("frame and frameset, and the refused names in another case, though they are not elements here", () => {
    expect(refused("(frame)")).toEqual(["1:1: <frame> is not allowed in untrusted content: it embeds another page or plugin", "1:2: unknown symbol 'frame'"]);
    expect(refused("(frameset)")[0]).toBe("1:1: <frameset> is not allowed in untrusted content: it embeds another page or plugin");
    expect(refused("(SCRIPT)")[0]).toBe("1:1: <script> is not allowed in untrusted content: it runs script");
    // A local of that name is a call, not an element.
    expect(refused("((fn (frame) (frame 1)) inc)")).toEqual([]);
  });

  it("attributes that can run script, even literal", () => {
    for (const name of ["onclick", "ONCLICK", "onmouseover", "srcdoc", "hx-on:click", "hx-on::after-request", "data-hx-on:click", "hx-vals", "hx-trigger"]) {
      expect(refused(`(div :${name} "x")`), name).toEqual([`1:6: :${name} is not allowed in untrusted content: it can run script, even as a literal`]);
    }
    expect(refused('(div :data-onclick "x" :hx-target "#main" :hx-swap x)')).toEqual([]);
  });

  it("the attributes of a custom element named like a host global, which is an element if the host does not bind it", () => {
    expect(refused('(my-widget :onclick "go()")', { globals: ["my-widget"] })).toEqual([
      "1:12: :onclick is not allowed in untrusted content: it can run script, even as a literal",
    ]);
    const lib = parse("(define (my-widget &rest args) 1)");
    expect(refused('(p (my-widget :onclick "go()"))', { lib })).toEqual([]);
  });

    it("a style attribute that is computed or loads a URL", () => {
    expect(refused('(div :style "color: red; margin: 0")')).toEqual([]);
    expect(refused("(div :style nil)")).toEqual([]);
    for (const style of ["background: url(/a.png)", "background: URL(x)", "background-image: image-set('x.png' 1x)", "width: expression(alert(1))", "background: \\75 rl(x)"]) {
      expect(refused(`(div :style ${JSON.stringify(style)})`), style).toEqual([`1:13: ${STYLE}`]);
    }
    expect(refused("(div :style x)")).toEqual([`1:13: ${STYLE}`]);
    expect(refused('(div :STYLE (str "color: " x))')).toEqual([`1:13: ${STYLE.replace(":style", ":STYLE")}`]);
  });

  it("htmx requests and form actions off the site, or computed", () => {
    for (const name of ["hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "data-hx-get", "HX-POST", "action", "formaction", "formAction"]) {
      expect(refused(`(form :${name} "/cart/add")`), name).toEqual([]);
      for (const url of ["//evil.example/", "/\\\\evil.example", "https://evil.example/", "cart/add", "/\\t/evil.example", "javascript:alert(1)"]) {
        expect(refused(`(form :${name} "${url}")`).at(-1), `${name} ${url}`).toBe(`1:${9 + name.length}: ${samePath(name)}`);
      }
      expect(refused(`(form :${name} x)`), name).toEqual([`1:${9 + name.length}: ${samePath(name)}`]);
      expect(refused(`(form :${name} true)`), name).toEqual([`1:${9 + name.length}: ${samePath(name)}`]);
      expect(refused(`(form :${name} nil)`), name).toEqual([]);
    }
    expect(refused('(a :hx-push-url "true" :hx-replace-url "/page/2" :href x)')).toEqual([]);
    expect(refused("(a :hx-push-url x)")).toEqual([`1:17: ${samePath("hx-push-url", ', or one of "true", "false"')}`]);
  });

  it("a srcset or ping holding a script URL, or computed", () => {
    const message = (name: string) => `:${name} in untrusted content must be a literal, every URL in it safe (no javascript:, vbscript: or non-image data:)`;
    expect(refused('(img :srcset "/a.png 1x, /b.png 2x" :src x)')).toEqual([]);
    expect(refused('(img :srcset "/a.png 1x, javascript:alert(1) 2x")')).toEqual([`1:14: ${message("srcset")}`]);
    expect(refused("(img :srcset x)")).toEqual([`1:14: ${message("srcset")}`]);
    expect(refused('(a :ping "/log JAVASCRIPT:alert(1)")')).toEqual([`1:10: ${message("ping")}`]);
  });

  it("source over its size, and nesting over its depth", () => {
    const big = `(p ${JSON.stringify("x".repeat(70_000))})`;
    expect(checkSource(big, { policy: untrusted, src: "big.sexp" })).toEqual([
      { loc: { src: "big.sexp", line: 1, col: 1 }, message: `the source is ${big.length} bytes, more than the untrusted limit of 65536` },
    ]);
    expect(refused(big)).toEqual([`1:1: the source is ${big.length} bytes, more than the untrusted limit of 65536`]);
    const deep = "(div ".repeat(70) + ")".repeat(70);
    expect(refused(deep)).toEqual(["1:321: nested more than 64 levels deep (the untrusted limit)"]);
    expect(refused("(div ".repeat(64) + ")".repeat(64))).toEqual([]);
  });

  it("passes its step budget to evaluation", async () => {
    expect(policyLimits(untrusted)).toEqual({ maxSteps: 200_000, maxDepth: 100, maxOutput: 1024 * 1024 });
    const err = await evaluate("(count (map inc (range 1000000)))", createEnv(), { limits: policyLimits(untrusted) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
  });
});

describe("isSameOriginPath", () => {
  it("reads the URL as a browser does", () => {
    for (const ok of ["/", "/a", "/a/b?c=d#e", "  /a", "/a?next=//x", "/a\\b"]) expect(isSameOriginPath(ok), ok).toBe(true);
    for (const no of ["", "a", "//x", "/\\x", "\\\\x", "/\t/x", "/\n/x", "\u0001//x", "https://x", "javascript:x", "?q=1", "#top"]) {
      expect(isSameOriginPath(no), JSON.stringify(no)).toBe(false);
    }
  });
});
