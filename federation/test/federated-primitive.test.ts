/**
 * The router's `(federated doc)` (workers/router/src/federated.ts), in Node:
 * none of it needs workerd. A document another instance published is
 * rendered inside a page of this site: with the site's own components where
 * it has them (its ~post-article, its ~site-card even when the origin's
 * component calls it), the origin's where it lacks them; its queries (through
 * the site's components) written down with the page's; problems refused with
 * their positions before anything renders; a failure while it runs a notice
 * in its place.
 */
import { describe, expect, it } from "vitest";
import { EvalContext, SexpError, compileTop, createEnv, definitionsOf, evaluateForms, parse, parseOne, toHtml, type Env, type IoCall, type Value } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";
import { documentKey, documentOf, registerFederatedPrimitives } from "../../workers/router/src/federated.ts";
import { generatedFailures } from "../../workers/router/src/generated.ts";
import { describeDefinition, describeDocument } from "../src/index.ts";
import { SITE_SOURCE } from "./site.ts";

/** The receiving site: the vocabulary with a `query` that answers, and `federated` as the router has it. */
async function routerSite(): Promise<Env> {
  const vocabulary = siteVocabulary();
  const registry = vocabulary.extend();
  const query = vocabulary.get("query")!.meta;
  registry.defineIO({
    name: "query",
    params: query.params,
    doc: query.doc,
    names: query.names,
    ...(query.check ? { check: query.check } : {}),
    fn: () => Promise.resolve<Value>([new Map<string, Value>([["slug", "pear"], ["title", "From this site's database"]])]),
  });
  registerFederatedPrimitives(registry);
  const env = createEnv(registry);
  await evaluateForms(parse(SITE_SOURCE, { src: "site.sexp" }), env);
  return env;
}

const site = await routerSite();

/** The origin's definitions: its own ~post-article (never used here), and a note and byline this site lacks. */
const ORIGIN = definitionsOf(
  parse(`
(defcomp ~post-article (&key title &rest body) (article :class "origin-post" (h1 (raw! title)) body))
(defcomp ~byline (&key author) (p :class "byline" "by " author))
(defcomp ~note (&key text) (aside :class "note" (~byline :author text) (~site-card :title text)))
(defcomp ~teaser (&key t) (div (~recent) (p t)))
`),
);

/** The row the query `federation document` gives for a form the origin published. */
async function row(text: string, origin: ReadonlyMap<string, ReturnType<typeof parseOne>> = ORIGIN): Promise<Map<string, Value>> {
  const doc = await describeDocument(parseOne(text), origin);
  const definitions = await Promise.all(doc.references.map((r) => describeDefinition(r.name, origin)));
  return new Map<string, Value>([
    ["source", doc.source],
    ["hash", doc.hash],
    ["definitions", definitions.map((d) => new Map<string, Value>([["name", d.name], ["source", d.source], ["hash", d.hash], ["cid", d.cid]]))],
  ]);
}

/** Render `(main (federated doc))` as a page of the site does: a request's environment, the page's recordings. */
async function page(doc: Value): Promise<{ html: string; calls: IoCall[] }> {
  const request = createEnv(site);
  request.define("doc", doc);
  const ctx = new EvalContext(request);
  const calls: IoCall[] = [];
  ctx.recorders = [calls];
  const html = toHtml(await compileTop(parseOne("(main (federated doc))"))(null, ctx));
  return { html, calls };
}

async function refusal(doc: Value): Promise<string> {
  const e = await page(doc).then(
    () => null,
    (x: unknown) => x,
  );
  if (!(e instanceof SexpError)) throw new Error(`expected an error, got ${String(e)}`);
  return e.message;
}

describe("(federated doc)", () => {
  it("renders the document with the site's components where it has them, and the origin's where it lacks them", async () => {
    const { html } = await page(await row('(~post-article :title "Apple" (p "It’s " (a :href "https://a.example/x" "here") ".") (~note :text "Hannah"))'));
    expect(html).toBe(
      '<main><article class="site-post"><h1 class="site-title">Apple</h1><p>It’s <a href="https://a.example/x">here</a>.</p>' +
        '<aside class="note"><p class="byline">by Hannah</p><div class="site-card">Hannah</div></aside></article></main>',
    );
    expect(html).not.toContain("origin-post");
  });

  it("runs the site's components it calls in the page's context: their queries are written down with the page's", async () => {
    const { html, calls } = await page(await row('(~teaser :t "more")'));
    expect(html).toBe("<main><div><ul><li>From this site&#39;s database</li></ul><p>more</p></div></main>");
    expect(calls.map((c) => c.primitive)).toEqual(["query", "federated"]);
  });

  it("takes definitions as a row gives them: maps, plain records, or JSON text", async () => {
    const doc = await row('(~note :text "x")');
    const defs = (doc.get("definitions") as Map<string, Value>[]).map((d) => Object.fromEntries(d));
    const asRecords = new Map<string, Value>([...doc, ["definitions", defs as unknown as Value]]);
    const asJson = new Map<string, Value>([...doc, ["definitions", JSON.stringify(defs)]]);
    const expected = (await page(doc)).html;
    expect((await page(asRecords)).html).toBe(expected);
    expect((await page(asJson)).html).toBe(expected);
    expect(documentOf(asJson)).toEqual(documentOf(doc));
  });

  it("refuses raw!, script and what reads or writes here, with positions, before anything renders", async () => {
    expect(await refusal(await row('(div\n  (raw! "<b>x</b>"))'))).toBe("federated: 1:6: (raw! ...) is not allowed in federated content: it puts text into the page as markup, unescaped");
    expect(await refusal(await row('(div (p "a") (script "alert(1)"))'))).toBe("federated: 1:14: <script> is not allowed in federated content: it runs script");
    expect(await refusal(await row("(p (:name (current-user)))"))).toMatch(/^federated: 1:12: current-user is not allowed in federated content: federated content arrives with its data/);
    const origin = definitionsOf(parse('(defcomp ~card (&key t) (div :onclick "go()" t))'));
    expect(await refusal(await row('(~card :t "x")', origin))).toBe("federated: 1:30: :onclick is not allowed in federated content: it can run script, even as a literal (in ~card)");
  });

  it("shows a failure while it runs in its place, with its position, and the page stands", async () => {
    const { html } = await page(await row('(div (p "before") (p (ends-with? 5 "x")))'));
    expect(html).toMatch(/^<main><p class="generated-error" role="alert"/);
    expect(generatedFailures(html)).toEqual([{ line: 1, col: 22, message: expect.stringMatching(/ends-with\?/) }]);
    const long = await page(await row("(ul (map (fn (x) (li x)) (range 1000000)))"));
    expect(generatedFailures(long.html)[0]!.message).toMatch(/step budget of 200000 exceeded/);
  });

  it("refuses a document that is not a row with its source", async () => {
    expect(await refusal("(p)")).toMatch(/^federated: the document must be a row with :source/);
    expect(await refusal(new Map<string, Value>([["source", "(p)"], ["definitions", "not json"]]))).toMatch(/^federated: :definitions is text that is not a JSON list/);
    expect(await refusal(new Map<string, Value>([["source", "(~x)"], ["definitions", [new Map<string, Value>([["name", "~x"], ["source", '(p "not a definition")']])]]]))).toBe(
      "federated: the definition sent as ~x is not one form defining it",
    );
  });

  it("keys a document by its sources, not by the hashes its row claims", async () => {
    const a = documentOf(await row('(~note :text "x")'));
    expect(documentKey(a.source, a.definitions)).toBe(documentKey(a.source, a.definitions.map((d) => ({ ...d }))));
    const changed = a.definitions.map((d) => (d.name === "~byline" ? { ...d, source: d.source.replace("by ", "par ") } : d));
    expect(documentKey(a.source, changed)).not.toBe(documentKey(a.source, a.definitions));
    // The same document rendered again uses what was made the first time, and renders the same.
    const doc = await row('(~note :text "again")');
    expect((await page(doc)).html).toBe((await page(doc)).html);
  });
});
