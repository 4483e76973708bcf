/**
 * The router's `(federated doc)` (workers/router/src/federated.ts), in Node:
 * none of it needs workerd. A document another instance published is
 * rendered inside a page of this site: with the site's own components where
 * it has them (its ~post-article, its ~site-card even when the origin's
 * component calls it), the origin's where it lacks them; its queries (through
 * the site's components) written down with the page's; problems found before
 * anything renders, and failures while it runs, shown as a notice in its
 * place with their positions, the page around it standing.
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

/** Evaluate `text` (by default `(main (federated doc))`) as a page of the site does: a request's environment, the page's recordings. */
async function evaluated(doc: Value, text = "(main (federated doc))"): Promise<{ value: Value; calls: IoCall[] }> {
  const request = createEnv(site);
  request.define("doc", doc);
  const ctx = new EvalContext(request);
  const calls: IoCall[] = [];
  ctx.recorders = [calls];
  return { value: await compileTop(parseOne(text))(null, ctx), calls };
}

/** Render `text` (by default `(main (federated doc))`) as a page of the site does. */
async function page(doc: Value, text?: string): Promise<{ html: string; calls: IoCall[] }> {
  const { value, calls } = await evaluated(doc, text);
  return { html: toHtml(value), calls };
}

/** The notices a document shows in its place (line, column, message), on a page that renders. */
async function notices(doc: Value): Promise<{ line: number; col: number; message: string }[]> {
  const { html } = await page(doc);
  expect(html).toMatch(/^<main><p class="generated-error" role="alert" [^>]*>[^<]*<\/p><\/main>$/);
  return generatedFailures(html);
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

  it("shows raw!, script and what reads, writes or sends here as a notice in its place, with the first problem's position, before anything renders", async () => {
    expect(await notices(await row('(div\n  (raw! "<b>x</b>"))'))).toEqual([
      { line: 1, col: 6, message: "federated: (raw! ...) is not allowed in federated content: it puts text into the page as markup, unescaped" },
    ]);
    expect(await notices(await row('(div (p "a") (script "alert(1)"))'))).toEqual([{ line: 1, col: 14, message: "federated: <script> is not allowed in federated content: it runs script" }]);
    expect((await notices(await row("(p (:name (current-user)))")))[0]).toMatchObject({ line: 1, col: 12, message: expect.stringMatching(/^federated: current-user is not allowed in federated content: federated content arrives with its data/) });
    expect((await notices(await row('(form :action "/_sexp/federation/follow" :method "post" (button "Follow"))')))[0]).toMatchObject({
      line: 1,
      col: 1,
      message: expect.stringMatching(/^federated: <form> is not allowed in federated content: federated content may not send anything to this site: .* \(and 1 more\)$/),
    });
    // Where it is: the origin's definition, positions in its canonical source.
    const origin = definitionsOf(parse('(defcomp ~card (&key t) (div :onclick "go()" t))'));
    expect(await notices(await row('(~card :t "x")', origin))).toEqual([
      { line: 1, col: 30, message: "federated: :onclick is not allowed in federated content: it can run script, even as a literal (in ~card)" },
    ]);
  });

  it("keeps the page around a document that does not pass: its layout, and what is before and after it", async () => {
    const { html } = await page(await row('(div (raw! "a") (script "b"))'), '(main (h1 "From a.example") (section :class "provenance" (federated doc)) (p "after"))');
    expect(html).toMatch(
      /^<main><h1>From a\.example<\/h1><section class="provenance"><p class="generated-error" role="alert" data-line="1" data-col="6">This part could not be shown: 1:6: [^<]*<\/p><\/section><p>after<\/p><\/main>$/,
    );
    expect(generatedFailures(html)).toEqual([{ line: 1, col: 6, message: "federated: (raw! ...) is not allowed in federated content: it puts text into the page as markup, unescaped (and 1 more)" }]);
  });

  it("shows an origin's definition that does not define what it was sent as in the document's place too", async () => {
    const doc = new Map<string, Value>([["source", "(~x)"], ["definitions", [new Map<string, Value>([["name", "~x"], ["source", '(p "not a definition")']])]]]);
    expect(await notices(doc)).toEqual([{ line: 1, col: 1, message: "federated: the definition sent as ~x is not one form defining it" }]);
    const unread = new Map<string, Value>([["source", "(~x)"], ["definitions", [new Map<string, Value>([["name", "~x"], ["source", "(defcomp ~x () (p"]])]]]);
    expect((await notices(unread))[0]!.message).toMatch(/^federated: the definition of ~x does not read: /);
  });

  it("checks a document once: the notice of one that does not pass is kept too, and is the same on every page", async () => {
    const doc = await row('(div (script "once"))');
    const first = await evaluated(doc, "(federated doc)");
    const again = await evaluated(doc, "(federated doc)");
    expect(again.value).toBe(first.value);
    expect(generatedFailures(toHtml(first.value))).toEqual([{ line: 1, col: 6, message: "federated: <script> is not allowed in federated content: it runs script" }]);
    // Another document (the same source, another definition) is checked on its own.
    const other = await row('(div (script "once") (~note :text "x"))');
    expect((await evaluated(other, "(federated doc)")).value).not.toBe(first.value);
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
