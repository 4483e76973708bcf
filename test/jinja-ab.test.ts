/**
 * The Jinja migration, proven: each legacy fragment template
 * (app/templates/fragments/*.njk, as the app had them in Jinja) and its
 * s-expression rewrite (app/components/migrated.sexp) render the same page —
 * normalized HTML: the same elements, attributes and text — over the same
 * data, edge cases included (missing and empty fields, text to escape, deep
 * trees, empty lists). The converter's drafts of the same templates render
 * the same page too. And the bridge primitive is the app's own: generated
 * content may not call it.
 */
import { sources } from "@rose-ash/app";
import { loadApp } from "@rose-ash/resolver";
import { createEnv, fromJson, parse, renderForms, untrusted, validateGenerated } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";
import { convertTemplate, htmlDifferences, renderTemplateFile } from "@rose-ash/jinja";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const registry = siteVocabulary();
const app = await loadApp(sources, registry);
const templates = new URL("../app/templates/", import.meta.url).pathname;

/** The rewrite called with the data as `d`. */
async function rewrite(call: string, data: Record<string, unknown>): Promise<string> {
  const env = createEnv(app.env);
  env.define("d", fromJson(data as never));
  return renderForms(parse(call, { src: "rewrite" }), env);
}

const card = { href: "/blog/apple-day/", title: "Apple Day & <cider>", excerpt: "Pressing at noon.", meta: "Hannah Pryce", kind: "blog" };
const tree = [
  { title: "Shop", href: "/market/", children: [{ title: "Bakery", href: "/market/bakery/", children: [{ title: "Rye", href: "/market/bakery/rye/" }] }, { title: "Veg", href: "/market/veg/" }] },
  { title: "Blog", href: "/blog/" },
  { title: "Events", href: "/events/", children: [] },
];
const containers = [
  { slug: "blog", title: "Blog", href: "/blog/", count: 12, cards: [card, { ...card, href: "/blog/b/", title: "B", excerpt: "", meta: null, kind: null }] },
  { slug: "market", title: "Market", href: "/market/", count: 0, cards: [1, 2, 3, 4, 5].map((i) => ({ href: `/market/p${i}/`, title: `Product ${i}`, kind: "market" })) },
  { slug: "events", title: "Events", href: "/events/", count: 3, cards: [] },
];

const FRAGMENTS: { template: string; call: string; cases: Record<string, unknown>[] }[] = [
  {
    template: "fragments/link_card.njk",
    call: "(~card-link :card (:card d))",
    cases: [{ card }, { card: { href: "/x/", title: "Only a title" } }, { card: { href: "/y/", title: "Empty bits", excerpt: "", meta: "", kind: "" } }],
  },
  {
    template: "fragments/cart_mini.njk",
    call: "(~cart-summary :cart (:cart d) :oob (:oob d))",
    cases: [{ cart: { items: 0 }, oob: false }, { cart: { items: 1, total: "£2.50" }, oob: true }, { cart: { items: 12, total: "£120.00" } }, { cart: {} }],
  },
  {
    template: "fragments/auth_menu.njk",
    call: "(~auth-menu :name (:name (:user d)))",
    cases: [{ user: { name: "Hannah <Pryce>" } }, { user: null }, {}],
  },
  {
    template: "fragments/nav_tree.njk",
    call: "(~tree-nav :items (:items d) :current (:current d) :label (:label d))",
    cases: [{ items: tree, current: "/market/bakery/rye/", label: "Site" }, { items: tree, current: "/nowhere/" }, { items: [], current: "/" }],
  },
  {
    template: "fragments/container_nav.njk",
    call: "(~container-nav :containers (:containers d) :current (:current d))",
    cases: [{ containers, current: "market" }, { containers: [], current: "blog" }, { containers: [{ slug: "fed", title: "From <elsewhere>", href: "/fed/", count: 1 }] }],
  },
  {
    template: "fragments/container_cards.njk",
    call: "(~container-cards :containers (:containers d))",
    cases: [{ containers }, { containers: [] }, { containers: [containers[2]] }],
  },
];

const include = (name: string): string | null => {
  try {
    return readFileSync(templates + name, "utf8");
  } catch {
    return null;
  }
};

describe("each legacy fragment and its rewrite", () => {
  for (const { template, call, cases } of FRAGMENTS) {
    it(`${template} and ${call.slice(1, call.indexOf(" "))} render the same page`, async () => {
      for (const data of cases) {
        const legacy = renderTemplateFile(templates + template, data);
        const rewritten = await rewrite(call, data);
        expect(htmlDifferences(legacy, rewritten), `${JSON.stringify(data)}\n${legacy}\n---\n${rewritten}`).toEqual([]);
        expect(legacy.trim()).not.toBe("");
      }
    });
  }
});

describe("the converter on the legacy templates", () => {
  for (const { template, cases } of FRAGMENTS) {
    it(`converts ${template} whole, and its draft renders the same page`, async () => {
      const { source, problems } = convertTemplate(include(template)!, { include });
      expect(problems).toEqual([]);
      // The draft reads the template's variables by name: the cases that give them all.
      for (const data of cases) {
        const env = createEnv(registry);
        for (const [k, v] of Object.entries(data)) env.define(k, fromJson(v as never));
        let draft: string;
        try {
          draft = await renderForms(parse(source, { src: "draft" }), env);
        } catch (e) {
          if (/unknown symbol/.test(String(e))) continue; // a variable this case leaves out (Jinja prints nothing for it)
          throw e;
        }
        expect(htmlDifferences(renderTemplateFile(templates + template, data), draft), `${JSON.stringify(data)}\n${source}`).toEqual([]);
      }
    });
  }
});

describe("the bridge primitive", () => {
  it("is the app's own: generated content may not call it", () => {
    const { problems } = validateGenerated(`(div (jinja "fragments/auth_menu.njk" :user {:name "x"}))`, { registry, env: app.env, policy: untrusted });
    expect(problems[0]?.message).toMatch(/jinja.*the app's templates into the page as markup/);
  });
});
