/**
 * The catalog, read from the registry and the site's environment: what the
 * policy allows, the components' keys, defaults, children and examples, the
 * queries' typed parameters, shapes and examples; its text reads back, and
 * the same site gives the same text and hash.
 */
import { describe, expect, it } from "vitest";
import { app, basePrimitives, buildCatalog, createEnv, parse, sha3Hex, untrusted, validateGenerated } from "../src/index.ts";
import { SITE_SOURCE, testRegistry, testSite } from "./generation-helpers.ts";

const site = await testSite();
const catalog = buildCatalog(site);

describe("buildCatalog", () => {
  it("lists every primitive the policy allows, with its signature, description and examples", () => {
    const str = catalog.primitives.find((p) => p.name === "str")!;
    expect(str).toEqual({ ...str, params: "&rest values", io: false, effect: null, names: 0 });
    expect(str.doc.length).toBeGreaterThan(10);
    expect(str.examples.length).toBeGreaterThan(0);
    const names = catalog.primitives.map((p) => p.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : 1)));
    expect(names).toContain("query");
    expect(names).toContain("current-user");
    // Writing primitives are refused by the untrusted policy; the app's policy allows them.
    expect(names).not.toContain("action");
    expect(names).not.toContain("sign-out");
    expect(buildCatalog({ ...site, policy: app }).primitives.map((p) => p.name)).toContain("action");
  });

  it("lists the site's components: keys in order with their defaults, children, doc and an example call", () => {
    const byName = new Map(catalog.components.map((c) => [c.name, c]));
    expect(byName.get("~product-card")).toEqual({ name: "~product-card", keys: [{ name: "product" }], children: false, doc: "A product as a card.", example: "(~product-card :product p)" });
    expect(byName.get("~picks")).toEqual({ name: "~picks", keys: [{ name: "count", default: "3" }, { name: "heading", default: '"Picks"' }], children: false, example: '(~picks :count 3 :heading "Picks")' });
    expect(byName.get("~page")).toMatchObject({ keys: [{ name: "title" }], children: true, example: '(~page :title title (p "..."))' });
    expect(byName.get("~shell")).toMatchObject({ keys: [{ name: "title" }], children: true });
    expect([...byName.keys()]).toEqual(["~page", "~picks", "~product-card", "~shell"]);
  });

  it("leaves out components and queries that write or are told whose data to read, and says why", () => {
    expect(catalog.excluded).toEqual([
      { kind: "component", name: "~buy", why: "~buy is not allowed in untrusted content: it changes data (through what it calls)", by: "policy" },
      { kind: "component", name: "~cart-mini", why: "it is told whose data to read (:user_id); only the site's own pages, which know who is asking, may say", by: "include" },
      { kind: "query", name: "account/orders", why: "it is told whose data to read (:user_id); only the site's own pages, which know who is asking, may say", by: "include" },
    ]);
    // A host may decide otherwise.
    const all = buildCatalog({ ...site, include: () => null });
    expect(all.queries.map((q) => `${q.service}/${q.name}`)).toContain("account/orders");
    expect(all.excluded.map((e) => e.name)).toEqual(["~buy"]);
  });

  it("leaves out a query that says it is :private, with its reason, whatever include says; nothing else changes", async () => {
    const PRIVATE = ':private "operators only: it lists every product, hidden ones too"';
    const source = SITE_SOURCE.replace('  :example {:slug "sourdough"}', `  :example {:slug "sourdough"}\n  ${PRIVATE}`);
    expect(source).not.toBe(SITE_SOURCE);
    const site2 = await testSite(source);
    const c = buildCatalog(site2);
    expect(c.queries.map((q) => `${q.service}/${q.name}`)).toEqual(["events/upcoming", "market/products"]);
    expect(c.excluded).toContainEqual({ kind: "query", name: "market/product-by-slug", why: "operators only: it lists every product, hidden ones too", by: "include" });
    expect(c.text).not.toContain("product-by-slug");
    // The rest of the text is the catalog's without it.
    expect(c.text).toBe(catalog.text.split("\n").filter((l) => !l.startsWith("(query market product-by-slug ")).join("\n"));
    // A host that lets everything else in does not let this in.
    expect(buildCatalog({ ...site2, include: () => null }).queries.map((q) => q.name)).not.toContain("product-by-slug");
    // Generated content held to the catalog may not call it, and is told why.
    const result = validateGenerated('(div (query market product-by-slug :slug "x"))', { ...site2, catalog: c });
    expect(result.problems.map((p) => p.message)).toEqual(["query market/product-by-slug is not available to generated content: operators only: it lists every product, hidden ones too"]);
  });

  it("lists the named queries (not actions) with typed parameters, what they return, their shape and an example", () => {
    expect(catalog.queries.map((q) => `${q.service}/${q.name}`)).toEqual(["events/upcoming", "market/product-by-slug", "market/products"]);
    const products = catalog.queries.find((q) => q.name === "products")!;
    expect(products).toMatchObject({
      service: "market",
      params: [
        { name: "category", type: "text", optional: true },
        { name: "sort", type: "text", optional: true },
      ],
      returns: "many",
      shape: "{:id :int :slug :text :name :text :price_pence :int :stock :int :on_sale :bool}",
      example: '(query market products :category "bakery")',
    });
    expect(products.fields[0]).toEqual({ name: "id", type: "int" });
    // Without an :example, the required parameters with a literal of their type.
    expect(catalog.queries.find((q) => q.name === "upcoming")!.example).toBe('(query events upcoming :from "2026-01-01T00:00:00Z")');
  });

  it("lists the elements, attributes and special forms the policy allows", () => {
    expect(catalog.elements).toContain("div");
    expect(catalog.elements).not.toContain("script");
    expect(catalog.elements).not.toContain("iframe");
    expect(catalog.forms).toEqual(["<>", "and", "cond", "do", "fn", "if", "lambda", "let", "or", "quote", "unless", "when"]);
    expect(catalog.attributes).toContainEqual({ name: "href", kind: "url" });
    expect(catalog.attributes).toContainEqual({ name: "hx-get", kind: "path" });
    expect(catalog.attributes).toContainEqual({ name: "class", kind: "data" });
    expect(catalog.attributes.map((a) => a.name)).not.toContain("style");
    expect(buildCatalog({ ...site, policy: app }).attributes).toContainEqual({ name: "style", kind: "data" });
    // Attributes a policy refuses whatever their value are not offered.
    const quiet = buildCatalog({ ...site, policy: { ...untrusted, name: "quiet", attributes: { action: "no", "hx-post": "no" } } });
    expect(quiet.attributes.map((a) => a.name)).toEqual(catalog.attributes.map((a) => a.name).filter((n) => n !== "action" && n !== "hx-post"));
  });

  it("writes itself as s-expressions that read back, one form per entry, hashed with SHA3-256", () => {
    const forms = parse(catalog.text);
    expect(forms.length).toBe(1 + catalog.primitives.length + catalog.components.length + catalog.queries.length + 3);
    expect(catalog.hash).toBe(sha3Hex(catalog.text));
    expect(catalog.hash).toMatch(/^[0-9a-f]{64}$/);
    const lines = catalog.text.split("\n");
    expect(lines[0]).toBe("(catalog :policy untrusted)");
    expect(lines).toContain('(primitive + "&rest numbers" "Sum of the numbers (0 for none)." (+ 1 2 3) => 6 (+) => 0)');
    expect(lines).toContain('(component ~picks (:count :heading) :defaults {:count 3 :heading "Picks"} :example (~picks :count 3 :heading "Picks"))');
    expect(lines).toContain('(component ~product-card (:product) "A product as a card." :example (~product-card :product p))');
    expect(lines).toContain('(query market products (:category :text? :sort :text?) "Products, optionally of one category." :returns :many :shape {:id :int :slug :text :name :text :price_pence :int :stock :int :on_sale :bool} :example (query market products :category "bakery"))');
    expect(lines).toContain("(attributes (data :alt :aria-current :aria-describedby :aria-expanded :aria-hidden :aria-label :checked :class :cols :colspan :datetime :dir :disabled :download :for :height :hidden :hx-select :hx-swap :hx-target :id :lang :loading :max :maxlength :method :min :multiple :name :open :placeholder :readonly :rel :required :reversed :role :rows :rowspan :scope :selected :span :start :step :tabindex :target :title :type :value :width) (url :href :src) (path :action :formaction :hx-get :hx-post :hx-push-url))".replace(" :span", ""));
    expect(lines.some((l) => l.startsWith("(elements a abbr address "))).toBe(true);
  });

  it("is the same for the same site, whatever order it was defined in; another site, another hash", async () => {
    expect(buildCatalog(await testSite()).text).toBe(catalog.text);
    const reordered = SITE_SOURCE.split(/\n(?=\(def)/).reverse().join("\n");
    const again = buildCatalog(await testSite(reordered));
    expect(again.text).toBe(catalog.text);
    expect(again.hash).toBe(catalog.hash);
    const other = buildCatalog(await testSite(SITE_SOURCE.replace('"A product as a card."', '"A card."')));
    expect(other.hash).not.toBe(catalog.hash);
  });

  it("works for an empty site and the base primitives alone", () => {
    const env = createEnv(basePrimitives);
    const c = buildCatalog({ registry: basePrimitives, env, policy: untrusted });
    expect(c.components).toEqual([]);
    expect(c.queries).toEqual([]);
    expect(parse(c.text).length).toBe(1 + c.primitives.length + 3);
    expect(buildCatalog({ registry: testRegistry(), env: createEnv(testRegistry()) }).primitives.length).toBeGreaterThan(c.primitives.length);
  });
});
