/**
 * Federated code on the instance that renders it: the federated policy
 * (untrusted, and nothing that reads or writes here), and checkFederated:
 * the site's own definitions win, the origin's that the site lacks are used
 * and checked, every problem with its position and where it is.
 */
import { describe, expect, it } from "vitest";
import { buildCatalog, untrusted } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";
import { ARRIVES_WITH_ITS_DATA, checkFederated, checkFederatedDefinition, federatedPolicy } from "../src/index.ts";
import { SENDS_NOTHING } from "../src/policy.ts";
import { remoteDefinitions, testSite } from "./site.ts";

/** The site, with the catalog the router gives (its catalogOf: the LLM Worker's, made from the same registry and environment). */
const site = await testSite().then((s) => ({ ...s, catalog: buildCatalog(s) }));

/** The origin's definitions: its own ~post-article (with raw!: it never runs here), a byline and a note the site lacks. */
const ORIGIN = remoteDefinitions(`
(defcomp ~post-article (&key title &rest body) (article :class "origin-post" (h1 (raw! title)) body))
(defcomp ~byline (&key author) (p :class "byline" "by " author))
(defcomp ~note (&key text) (aside (~byline :author text) (~site-card :title text)))
(defcomp ~unused () (p "never"))
`);

const check = (source: string, remote = ORIGIN) => checkFederated({ source }, remote, site);
const problems = (source: string, remote = ORIGIN) => check(source, remote).problems;
const names = (nodes: readonly { kind: string; value: unknown }[]) => nodes.map((n) => ((n.value as { value: string }[])[1]!.value));

describe("federatedPolicy", () => {
  it("is the untrusted policy, named federated, refusing by name every primitive that does I/O or has an effect", () => {
    const policy = federatedPolicy(site.registry);
    expect(policy.name).toBe("federated");
    expect(policy.forms).toEqual(untrusted.forms);
    expect(policy.elements).toEqual({ ...untrusted.elements, form: expect.stringMatching(`^${SENDS_NOTHING}: `) });
    expect(Object.keys(policy.attributes).sort()).toEqual(["action", "form", "formaction", "hx-delete", "hx-patch", "hx-post", "hx-put"]);
    for (const why of Object.values(policy.attributes)) expect(why.startsWith(`${SENDS_NOTHING}: `), why).toBe(true);
    expect(policy.sameOrigin).toEqual(untrusted.sameOrigin);
    expect(policy.limits).toEqual(untrusted.limits);
    // untrusted itself (generated pages) still allows forms and htmx requests to a literal path here.
    expect(untrusted.elements["form"]).toBeUndefined();
    expect(untrusted.attributes).toEqual({});
    for (const name of ["query", "frag", "action", "current-user", "session-key", "cookie", "now", "new-id", "param", "sign-out"]) expect(policy.primitives[name], name).toBe(ARRIVES_WITH_ITS_DATA);
    // Where untrusted says why more exactly, its reason stands.
    expect(policy.primitives["render-media"]).toBe(untrusted.primitives["render-media"]);
    expect(policy.primitives["generated"]).toBe(untrusted.primitives["generated"]);
    // Rendering another federated document from inside one (or from generated content) would escape its limits.
    expect(untrusted.primitives["federated"]).toMatch(/^it renders a federated document, outside this content's limits/);
    expect(policy.primitives["federated"]).toBe(untrusted.primitives["federated"]);
    expect(policy.primitives["str"]).toBeUndefined();
    expect(Object.isFrozen(policy) && Object.isFrozen(policy.primitives) && Object.isFrozen(policy.elements) && Object.isFrozen(policy.attributes)).toBe(true);
  });

  it("is made once per registry", () => {
    expect(federatedPolicy(site.registry)).toBe(federatedPolicy(site.registry));
    expect(federatedPolicy(siteVocabulary())).not.toBe(federatedPolicy(site.registry));
  });
});

describe("checkFederated", () => {
  it("passes a document laid out with the site's components and the origin's it lacks, and says which of the origin's are used", () => {
    const result = check('(~post-article :title "Apple" (p "It’s " (a :href "https://a.example/x" "here") ".") (~note :text "Hannah"))');
    expect(result.problems).toEqual([]);
    expect(result.form?.kind).toBe("list");
    // The site's ~post-article wins; ~note is the origin's, and through it ~byline (~site-card is the site's).
    expect(names(result.used)).toEqual(["~byline", "~note"]);
  });

  it("allows the site's own components, even those that read data themselves: they are the site's code", () => {
    expect(problems("(div (~recent) (~site-card :title \"x\"))")).toEqual([]);
  });

  it("holds the document and the origin's definitions to the site's catalog: not its components told whose data to read", () => {
    expect(problems("(~cart-mini :user_id 4)")[0]!.message).toMatch(/^~cart-mini is not available to generated content: it is told whose data to read \(:user_id\)/);
    const remote = remoteDefinitions("(defcomp ~peek () (~cart-mini :user_id 1))");
    expect(problems("(~peek)", remote)).toEqual([expect.objectContaining({ line: 1, col: 19, where: "~peek" })]);
  });

  it("refuses raw!, script and style elements and event attributes, where they are", () => {
    expect(problems('(div\n  (raw! "<b>x</b>"))')).toEqual([{ line: 2, col: 3, message: "(raw! ...) is not allowed in federated content: it puts text into the page as markup, unescaped", where: "document" }]);
    expect(problems('(div (script "alert(1)"))')).toEqual([{ line: 1, col: 6, message: "<script> is not allowed in federated content: it runs script", where: "document" }]);
    expect(problems('(a :href "/x" :onclick "go()" "x")')).toEqual([{ line: 1, col: 15, message: ":onclick is not allowed in federated content: it can run script, even as a literal", where: "document" }]);
    expect(problems('(a :href "javascript:alert(1)" "x")')[0]!.message).toMatch(/^unsafe URL in :href/);
  });

  it("refuses a form, and every attribute that sends a request here, whatever its value: one click of a signed-in visitor would post to this site", () => {
    const sends = (what: string) => `${what} is not allowed in federated content: ${SENDS_NOTHING}: `;
    const follow = '(form :action "/_sexp/federation/follow" :method "post" (input :type "hidden" :name "account" :value "evil@x.example") (button "Read more"))';
    expect(problems(follow)).toEqual([
      { line: 1, col: 1, message: expect.stringMatching(`^${escape(sends("<form>"))}`), where: "document" },
      { line: 1, col: 7, message: expect.stringMatching(`^${escape(sends(":action"))}`), where: "document" },
    ]);
    // Not even under another case, or with no action (a form sends to the page it is on).
    expect(problems('(FORM (button "x"))')[0]).toEqual(expect.objectContaining({ line: 1, col: 1, message: expect.stringMatching(/^<form> is not allowed in federated content/) }));
    expect(problems('(div (form (button "x")))')).toEqual([expect.objectContaining({ line: 1, col: 6 })]);
    // :form joins a button to a form elsewhere on the page: the site's own.
    for (const attribute of ["formaction", "form", "hx-post", "hx-put", "hx-patch", "hx-delete", "data-hx-post", "HX-Post", "Data-Hx-Delete", "FormAction"]) {
      for (const value of ['"/_sexp/federation/follow"', '"https://x.example/"', "nil", "false", '(str "/x")', "true"]) {
        const found = problems(`(button :${attribute} ${value} "x")`);
        expect(found, `:${attribute} ${value}`).toEqual([{ line: 1, col: 9, message: expect.stringMatching(`^${escape(sends(`:${attribute}`))}`), where: "document" }]);
      }
    }
    // What only fetches, or names things, stays allowed: to a literal path here, as untrusted says.
    expect(problems('(div :hx-get "/blog/" :hx-target "#x" :hx-push-url "true" (button :type "button" :name "n" :value "v" "x"))')).toEqual([]);
    expect(problems('(div :hx-get "https://x.example/" "x")')[0]!.message).toMatch(/^:hx-get in federated content must be a literal path on this site/);
  });

  it("refuses a form and what sends a request in the origin's definitions too", () => {
    const remote = remoteDefinitions(`
(defcomp ~follow-box () (form :action "/_sexp/federation/follow" :method "post" (button "Follow")))
(defcomp ~like (&key id) (button :data-hx-post "/_sexp/federation/publish" id))
(defcomp ~save () (button :formaction "/cart/add" "Save"))
`);
    const result = check("(div (~follow-box) (~like :id 1) (~save))", remote);
    const found = (where: string) => result.problems.filter((p) => p.where === where).map((p) => `${p.line}:${p.col}: ${p.message.slice(0, p.message.indexOf(SENDS_NOTHING) + SENDS_NOTHING.length)}`);
    expect(found("~follow-box")).toEqual([
      `1:25: <form> is not allowed in federated content: ${SENDS_NOTHING}`,
      `1:31: :action is not allowed in federated content: ${SENDS_NOTHING}`,
    ]);
    expect(found("~like")).toEqual([`1:34: :data-hx-post is not allowed in federated content: ${SENDS_NOTHING}`]);
    expect(found("~save")).toEqual([`1:27: :formaction is not allowed in federated content: ${SENDS_NOTHING}`]);
    expect(result.problems.filter((p) => p.where === "document")).toEqual([]);
  });

  it("refuses what reads or writes here: queries, fragments, actions, who is asking, the clock, media renders", () => {
    const text = `(div
  (ul (map (fn (p) (li (:title p))) (query blog recent-posts :limit 3)))
  (p (:name (current-user)))
  (action cart add-item :product_id 1)
  (p (now))
  (render-media "(solid)"))`;
    const found = problems(text);
    const at = (line: number, col: number) => found.filter((p) => p.line === line && p.col === col).map((p) => p.message);
    expect(at(2, 38)).toContain(`query is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}`);
    expect(at(3, 14)).toContain(`current-user is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}`);
    expect(at(4, 4)).toContain(`action is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}`);
    expect(at(5, 7)).toContain(`now is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}`);
    expect(at(6, 4)[0]).toMatch(/^render-media is not allowed in federated content: it queues work/);
    expect(found.every((p) => p.where === "document")).toBe(true);
  });

  it("uses and checks an origin's component the site lacks: its raw!, script, query and action are problems in it", () => {
    const remote = remoteDefinitions(`
(defcomp ~card (&key title) (div (raw! title) (script "x")))
(defcomp ~feed () (ul (query blog recent-posts) (action cart add-item :product_id 1)))
`);
    const result = check("(div (~card :title \"A\") (~feed))", remote);
    expect(names(result.used)).toEqual(["~card", "~feed"]);
    const found = (where: string) => result.problems.filter((p) => p.where === where).map((p) => `${p.line}:${p.col}: ${p.message}`);
    expect(found("~card")).toEqual([
      "1:34: (raw! ...) is not allowed in federated content: it puts text into the page as markup, unescaped",
      "1:47: <script> is not allowed in federated content: it runs script",
    ]);
    expect(found("~feed")).toEqual(
      expect.arrayContaining([`1:24: query is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}`, `1:50: action is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}`]),
    );
    // Calling it is refused in the document too: the checker sees that it writes.
    expect(found("document")).toEqual(["1:25: ~feed is not allowed in federated content: it changes data (through what it calls)"]);
  });

  it("checks calls to the origin's components with their keys, and calls from them to the site's with the site's", () => {
    expect(problems('(~byline :autor "x")')).toEqual([{ line: 1, col: 1, message: "~byline has no parameter :autor (did you mean :author?)", where: "document" }]);
    const remote = remoteDefinitions('(defcomp ~teaser (&key t) (~site-card :titel t))');
    expect(problems("(~teaser :t 1)", remote)).toEqual([{ line: 1, col: 27, message: "~site-card has no parameter :titel (did you mean :title?)", where: "~teaser" }]);
  });

  it("does not use (or check) an origin's definition the site has: the site's wins, even over one with raw!", () => {
    const result = check('(~post-article :title "A" (p "x"))');
    expect(result.problems).toEqual([]);
    expect(result.used).toEqual([]);
  });

  it("uses nothing it does not reach, and never an origin's definition named like a primitive", () => {
    const remote = remoteDefinitions('(define (str x) (raw! x))\n(defcomp ~x () (p (str "a")))\n(defcomp ~lonely () (raw! "x"))');
    const result = check("(~x)", remote);
    expect(names(result.used)).toEqual(["~x"]);
    expect(result.problems).toEqual([]);
  });

  it("refuses a definition made inside one of the origin's definitions: it would define a global here when it runs", () => {
    const remote = remoteDefinitions("(defcomp ~sneaky () (do (define ~post-article 1) (p \"x\")))");
    expect(problems("(~sneaky)", remote)).toEqual([{ line: 1, col: 25, message: "(define ...) is not allowed inside a definition in federated content: it may use the definitions it is given, not make its own", where: "~sneaky" }]);
  });

  it("refuses what does not read as one form, and a component it does not know", () => {
    const unread = check('(p "a"');
    expect(unread.form).toBeNull();
    expect(unread.problems[0]).toMatchObject({ line: 1, col: 1, where: "document" });
    expect(check('(p "a") (p "b")').problems[0]).toMatchObject({ line: 1, col: 9, where: "document" });
    expect(problems("(~nowhere)")[0]).toMatchObject({ message: "unknown component ~nowhere", where: "document" });
  });
});

describe("checkFederatedDefinition", () => {
  /** Check the definition named `name` among the origin's, as a component it announced. */
  const announced = (source: string, name: string) => {
    const remote = remoteDefinitions(source);
    return checkFederatedDefinition(remote.get(name)!, remote, site);
  };
  const found = (result: { problems: readonly { line: number; col: number; message: string; where: string }[] }) => result.problems.map((p) => `${p.where} ${p.line}:${p.col}: ${p.message}`);

  it("passes a plain layout component, calling the site's components too; it is used, as the site lacks it", () => {
    const source = '(defcomp ~notice (&key title &rest body) (section :class "notice" (h2 title) (~site-card :title title) body))';
    const result = announced(source, "~notice");
    expect(result.problems).toEqual([]);
    expect(result.form?.kind).toBe("list");
    expect(names(result.used)).toEqual(["~notice"]);
    expect(result.used[0]).toBe(result.form);
  });

  it("refuses raw!, script, query, a form and what sends a request, and a definition inside it, each where it is: in it", () => {
    expect(found(announced('(defcomp ~c (&key t) (div (raw! t)))', "~c"))).toEqual(["~c 1:27: (raw! ...) is not allowed in federated content: it puts text into the page as markup, unescaped"]);
    expect(found(announced('(defcomp ~c () (div (script "alert(1)")))', "~c"))).toEqual(["~c 1:21: <script> is not allowed in federated content: it runs script"]);
    expect(found(announced("(defcomp ~c () (ul (map (fn (p) (li (:title p))) (query blog recent-posts))))", "~c"))).toEqual([
      `~c 1:51: query is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}`,
    ]);
    const form = announced('(defcomp ~c () (form :action "/_sexp/federation/follow" :method "post" (button "Follow")))', "~c").problems;
    expect(form.map((p) => [p.where, p.line, p.col])).toEqual([["~c", 1, 16], ["~c", 1, 22]]);
    expect(form[0]!.message).toMatch(new RegExp(`^<form> is not allowed in federated content: ${escape(SENDS_NOTHING)}: `));
    expect(form[1]!.message).toMatch(new RegExp(`^:action is not allowed in federated content: ${escape(SENDS_NOTHING)}: `));
    expect(found(announced('(defcomp ~c () (button :hx-post "/cart/add" "Add"))', "~c"))).toEqual([expect.stringMatching(new RegExp(`^~c 1:24: :hx-post is not allowed in federated content: ${escape(SENDS_NOTHING)}: `))]);
    expect(found(announced('(defcomp ~c () (do (define ~post-article 1) (p "x")))', "~c"))).toEqual([
      "~c 1:20: (define ...) is not allowed inside a definition in federated content: it may use the definitions it is given, not make its own",
    ]);
    expect(found(announced('(defcomp ~c () (div (defcomp ~inner () (p "x")) (~inner)))', "~c"))[0]).toMatch(/^~c 1:21: \(defcomp \.\.\.\) is not allowed inside a definition in federated content/);
    // What reads who is asking, or writes, too.
    const effects = found(announced("(defcomp ~c () (div (p (:name (current-user))) (action cart add-item :product_id 1) (p (now))))", "~c"));
    for (const primitive of ["current-user", "action", "now"]) expect(effects, primitive).toContainEqual(expect.stringMatching(`^~c 1:\\d+: ${primitive} is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}$`));
    // A definition quoted is data: not refused.
    expect(announced("(defcomp ~c () (p (str (quote (define x 1)))))", "~c").problems).toEqual([]);
  });

  it("holds it to the site's catalog: not the site's components told whose data to read", () => {
    expect(announced("(defcomp ~peek () (~cart-mini :user_id 1))", "~peek").problems).toEqual([expect.objectContaining({ line: 1, col: 19, where: "~peek" })]);
  });

  it("takes a recursive component, and one recursive through another of the origin's", () => {
    const tree = announced("(defcomp ~tree (&key items) (ul (map (fn (i) (li (:name i) (~tree :items (:children i)))) items)))", "~tree");
    expect(tree.problems).toEqual([]);
    expect(names(tree.used)).toEqual(["~tree"]);
    const ping = announced('(defcomp ~ping (&key n) (div (if n (~pong :n nil) (p "ping"))))\n(defcomp ~pong (&key n) (div (if n (~ping :n nil) (p "pong"))))', "~ping");
    expect(ping.problems).toEqual([]);
    expect(names(ping.used)).toEqual(["~ping", "~pong"]);
  });

  it("still checks a component the site has too (the site's wins where it is called), and then does not use it", () => {
    const result = announced('(defcomp ~post-article (&key title &rest body) (article :class "origin-post" (h1 (raw! title)) body))', "~post-article");
    expect(found(result)).toEqual(["~post-article 1:82: (raw! ...) is not allowed in federated content: it puts text into the page as markup, unescaped"]);
    expect(result.used).toEqual([]);
    expect(names([result.form!])).toEqual(["~post-article"]);
    // Plain, it passes; what it needs of the origin's that the site lacks is used, not itself.
    const plain = announced('(defcomp ~post-article (&key title &rest body) (article (~byline :author title) body))\n(defcomp ~byline (&key author) (p "by " author))', "~post-article");
    expect(plain.problems).toEqual([]);
    expect(names(plain.used)).toEqual(["~byline"]);
  });

  it("refuses it when an origin's definition it needs, that the site lacks, is refused: where is that one", () => {
    const result = announced(
      '(defcomp ~wrapper (&key t) (div :class "wrap" (~shout :t t)))\n(defcomp ~shout (&key t) (p (raw! t)))\n(defcomp ~unused () (script "x"))',
      "~wrapper",
    );
    expect(found(result)).toEqual(["~shout 1:29: (raw! ...) is not allowed in federated content: it puts text into the page as markup, unescaped"]);
    // Itself first, then what it needs; never what it does not reach.
    expect(names(result.used)).toEqual(["~wrapper", "~shout"]);
    // Two levels down, with a query.
    const deep = announced("(defcomp ~a () (div (~b)))\n(defcomp ~b () (section (~c)))\n(defcomp ~c () (ul (query blog recent-posts)))", "~a");
    expect(deep.problems.map((p) => p.where)).toContain("~c");
    expect(deep.problems.filter((p) => p.where === "~c").map((p) => p.message)).toContain(`query is not allowed in federated content: ${ARRIVES_WITH_ITS_DATA}`);
    expect(names(deep.used)).toEqual(["~a", "~b", "~c"]);
  });

  it("does not use, or check, the origin's version of a dependency the site has: the site's wins", () => {
    // The origin's ~site-card has raw!; the site's own is what ~teaser calls here.
    const result = announced('(defcomp ~teaser (&key t) (div (~site-card :title t)))\n(defcomp ~site-card (&key title) (div (raw! title)))', "~teaser");
    expect(result.problems).toEqual([]);
    expect(names(result.used)).toEqual(["~teaser"]);
  });
});

/** Text as a regular expression that matches it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
