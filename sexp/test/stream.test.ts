import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { basePrimitives, createEnv, evaluateForms, isDefinition, parse, renderForms, streamForms, type Value } from "../src/index.ts";

/** An environment whose `(wait key value)` answers when the test says so (`answer`), or fails (`fail`). */
function gatedEnv() {
  // A key asked for twice is two calls; each waits to be answered.
  const gates = new Map<string, { resolve: (v: Value) => void; reject: (e: Error) => void; value: Value }>();
  let calls = 0;
  const registry = basePrimitives.extend();
  registry.defineIO({
    name: "wait",
    params: "key value",
    doc: "Answers value when the test opens the gate named key (test I/O).",
    fn: ([key, value]) => new Promise<Value>((resolve, reject) => gates.set(gates.has(key as string) ? `${key as string}#${++calls}` : (key as string), { resolve, reject, value: value! })),
  });
  registry.define({ name: "render", params: "page", doc: "A response (test).", page: 0, fn: ([p]) => new Map([["page", p!]]) as Value });
  const env = createEnv(registry);
  const answer = (key: string): void => {
    const g = gates.get(key);
    if (!g) throw new Error(`nothing waits on ${key}`);
    g.resolve(g.value);
  };
  const fail = (key: string): void => gates.get(key)!.reject(new Error(`${key} is down`));
  return { env, answer, fail, gates };
}

/** Read a stream chunk by chunk; `next()` waits for the next chunk (or null at the end). */
function reader(body: ReadableStream<Uint8Array>) {
  const r = body.getReader();
  const utf8 = new TextDecoder();
  const chunks: string[] = [];
  return {
    chunks,
    async next(): Promise<string | null> {
      const { value, done } = await r.read();
      if (done) return null;
      const text = utf8.decode(value);
      chunks.push(text);
      return text;
    },
    async rest(): Promise<string> {
      while ((await this.next()) !== null);
      return chunks.join("");
    },
  };
}

/** Let every promise reaction that is ready run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

function stream(source: string, env = gatedEnv().env) {
  const forms = parse(source);
  return reader(streamForms(forms, env));
}

describe("streaming", () => {
  it("sends the shell before a part waiting on I/O, then the rest in order", async () => {
    const g = gatedEnv();
    const page = stream(`(html (head (title "T")) (body (header "H") (main (p (wait "a" "A"))) (footer "F")))`, g.env);
    const shell = await page.next();
    expect(shell).toBe("<!doctype html><html><head><title>T</title></head><body><header>H</header><main><p>");
    g.answer("a");
    expect(await page.rest()).toBe("<!doctype html><html><head><title>T</title></head><body><header>H</header><main><p>A</p></main><footer>F</footer></body></html>");
  });

  it("writes a layout before the content given to it as children is there", async () => {
    const g = gatedEnv();
    const page = stream(
      `(defcomp ~layout (&key title children) (html (body (h1 title) (main children) (footer "f"))))
       (let ((items (wait "items" (list "x" "y"))))
         (~layout :title "Shop" (ul (map (fn (i) (li i)) items))))`,
      g.env,
    );
    expect(await page.next()).toBe("<!doctype html><html><body><h1>Shop</h1><main>");
    g.answer("items");
    expect(await page.rest()).toBe("<!doctype html><html><body><h1>Shop</h1><main><ul><li>x</li><li>y</li></ul></main><footer>f</footer></body></html>");
  });

  it("keeps order when later parts answer first", async () => {
    const g = gatedEnv();
    const page = stream(`(div (p (wait "1" "one")) (p (wait "2" "two")) (p "three"))`, g.env);
    expect(await page.next()).toBe("<div><p>");
    g.answer("2");
    await settle();
    expect(page.chunks).toEqual(["<div><p>"]);
    g.answer("1");
    expect(await page.rest()).toBe("<div><p>one</p><p>two</p><p>three</p></div>");
  });

  it("writes a part that fails after the first byte as the error, and the page stays whole", async () => {
    const g = gatedEnv();
    const page = stream(`(html (body (main (section (wait "a" "A")) (section "ok")) (footer "F")))`, g.env);
    await page.next();
    g.fail("a");
    const html = await page.rest();
    expect(html).toBe(
      '<!doctype html><html><body><main><section><div class="render-error" role="status">This part of the page could not be shown.</div></section><section>ok</section></main><footer>F</footer></body></html>',
    );
  });

  it("leaves out an attribute whose value fails, never half a tag", async () => {
    const g = gatedEnv();
    const page = stream(`(div (a :href (wait "h" "/x") "link") (p "after"))`, g.env);
    await page.next();
    g.fail("h");
    expect(await page.rest()).toBe('<div><a>link</a><p>after</p></div>');
  });

  it("throws before anything is sent when the page fails at once", () => {
    expect(() => streamForms(parse(`(div (nosuch 1))`), gatedEnv().env)).toThrow(/nosuch/);
  });

  it("sends a deferred part out of order: its fallback in place, its content after the page, before </body></html>", async () => {
    const g = gatedEnv();
    const page = stream(
      `(html (body (main (defer :fallback (p "Loading…") (section (wait "slow" "Recommendations"))) (p (wait "fast" "Article"))) (footer "F")))`,
      g.env,
    );
    expect(await page.next()).toBe('<!doctype html><html><body><main><sx-defer id="sx-p1"><p>Loading…</p></sx-defer><p>');
    g.answer("fast");
    // The in-order part is complete but for the page's end, held back for the deferred part.
    expect(await page.next()).toBe("Article</p></main><footer>F</footer>");
    g.answer("slow");
    const late = await page.next();
    expect(late).toContain('<div hidden id="sx-c1" data-sx-late><section>Recommendations</section></div><script>$sx(1)</script>');
    expect(late!.endsWith("</body></html>")).toBe(true);
    expect(await page.next()).toBe(null);
  });

  it("keeps the page as it reads once all of it is there: each deferred part in its placeholder's place", async () => {
    const g = gatedEnv();
    const src = `(html (body (main (defer :fallback (p "Loading" (defer (b "in the fallback"))) (section (wait "slow" "S"))) (p (wait "fast" "F")))))`;
    const { EvalContext, PageStream, emitForms } = await import("../src/index.ts");
    const ctx = new EvalContext(g.env);
    const page = new PageStream({ keep: true });
    ctx.outOfOrder = page;
    const sent = reader(page.body);
    void page.follow(emitForms(parse(src), ctx, page.sink), () => "");
    const all = sent.rest();
    await settle();
    g.answer("fast");
    g.answer("slow");
    expect(await all).toContain('<sx-defer id="sx-p1"><p>Loading<b>in the fallback</b></p></sx-defer>');
    const whole = gatedEnv();
    const html = renderForms(parse(src), whole.env);
    await settle();
    whole.answer("fast");
    whole.answer("slow");
    expect(page.text).toBe(await html);
    expect(page.text).toBe("<!doctype html><html><body><main><section>S</section><p>F</p></main></body></html>");
  });

  it("renders a deferred part inside another in place (its placeholder would not be there yet)", async () => {
    const g = gatedEnv();
    const page = stream(`(main (defer (section (defer :fallback "…" (p (wait "inner" "I"))) (p (wait "outer" "O")))))`, g.env);
    expect(await page.next()).toBe('<main><sx-defer id="sx-p1"></sx-defer></main>');
    g.answer("inner");
    g.answer("outer");
    const html = await page.rest();
    expect(html).toContain('<div hidden id="sx-c1" data-sx-late><section><p>I</p><p>O</p></section></div><script>$sx(1)</script>');
    expect(html).not.toContain("sx-p2");
  });

  it("renders a deferred part in place when the page is rendered whole", async () => {
    const g = gatedEnv();
    const html = renderForms(parse(`(main (defer :fallback (p "Loading") (p (wait "a" "A"))))`), g.env);
    await settle();
    g.answer("a");
    expect(await html).toBe("<main><p>A</p></main>");
  });

  it("hands over the response before writing the page (render)", async () => {
    const g = gatedEnv();
    const forms = parse(`(let ((x (wait "x" "X"))) (render (div "head " (p x))))`);
    const { EvalContext, PageStream, emitForms } = await import("../src/index.ts");
    const ctx = new EvalContext(g.env);
    const responses: Value[] = [];
    ctx.respond = (v) => {
      responses.push(v);
      ctx.respond = null;
      return true;
    };
    const page = new PageStream();
    const done = emitForms(forms, ctx, page.sink);
    expect(responses).toHaveLength(1);
    expect((responses[0] as Map<string, Value>).get("page")).toMatchObject({ html: "" });
    void page.follow(done, () => "");
    const r = reader(page.body);
    expect(await r.next()).toBe("<div>head <p>");
    g.answer("x");
    expect(await r.rest()).toBe("<div>head <p>X</p></div>");
  });

  it("streams the same page as it renders whole, whatever order the answers come in", async () => {
    // Random trees of elements, text (some needing escapes), attributes and waits; answers in a random order.
    const leaf = fc.oneof(
      fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
      fc.nat(99).map((k) => `(wait "k${k}" "v<${k}>&")`),
    );
    const tree = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc
          .tuple(fc.constantFrom("div", "p", "span", "li"), fc.option(leaf, { nil: null }), fc.array(tie("node"), { maxLength: 4 }))
          .map(([tag, attr, kids]) => `(${tag}${attr ? ` :title ${attr}` : ""} ${kids.join(" ")})`),
      ),
    }));
    await fc.assert(
      fc.asyncProperty(tree.node, fc.array(fc.nat(), { maxLength: 20 }), async (source, order) => {
        const whole = gatedEnv();
        const expected = renderForms(parse(source), whole.env);
        await settle();
        for (const k of whole.gates.keys()) whole.answer(k);
        const streamed = gatedEnv();
        const page = reader(streamForms(parse(source), streamed.env));
        const rest = page.rest();
        await settle();
        const keys = [...streamed.gates.keys()];
        for (const i of order) if (keys.length) streamed.answer(keys.splice(i % keys.length, 1)[0]!);
        for (const k of keys) streamed.answer(k);
        expect(await rest).toBe(await expected);
      }),
      { numRuns: 150 },
    );
  });
});

describe("deferred parts and notices within a table or a select", () => {
  const gated = (source: string) => {
    const g = gatedEnv();
    return { ...g, page: stream(source, g.env) };
  };

  it("marks a deferred row's place with a template and sends the rows in a hidden table's body", async () => {
    const { page, answer } = gated(`(table (tbody (tr (td "A")) (defer :fallback (tr (td "…")) (tr (td (wait "b" "B")))) (tr (td "C"))))`);
    expect(await page.next()).toBe('<table><tbody><tr><td>A</td></tr><template id="sx-p1"></template><tr><td>…</td></tr><!--/sx-p1--><tr><td>C</td></tr></tbody></table>');
    answer("b");
    const late = await page.rest();
    expect(late).toContain('<table hidden data-sx-late><tbody id="sx-c1"><tr><td>B</td></tr></tbody></table><script>$sx(1)</script>');
  });

  it("knows where a component's output goes from where it is called, and that a cell's content flows again", async () => {
    const g = gatedEnv();
    evaluateForms(parse(`(defcomp ~slow-row () (defer (tr (td (wait "r" "R")))))\n(defcomp ~slow-cell () (defer (td (wait "c" "C"))))`), g.env);
    const page = stream(`(table (tr (~slow-cell) (td (defer (b (wait "in-cell" "I"))))) (~slow-row))`, g.env);
    const first = (await page.next())!;
    expect(first).toBe(
      '<table><tr><template id="sx-p1"></template><!--/sx-p1--><td><sx-defer id="sx-p2"></sx-defer></td></tr><template id="sx-p3"></template><!--/sx-p3--></table>',
    );
    g.answer("c");
    g.answer("in-cell");
    g.answer("r");
    const html = await page.rest();
    expect(html).toContain('<table hidden data-sx-late><tr id="sx-c1"><td>C</td></tr></table>');
    expect(html).toContain('<div hidden id="sx-c2" data-sx-late><b>I</b></div>');
    expect(html).toContain('<table hidden id="sx-c3" data-sx-late><tr><td>R</td></tr></table>');
  });

  it("sends a select's late options in a hidden select", async () => {
    const { page, answer } = gated(`(select :name "s" (option "first") (defer (map (fn (o) (option o)) (wait "o" (list "x" "y")))))`);
    expect(await page.next()).toBe('<select name="s"><option>first</option><template id="sx-p1"></template><!--/sx-p1--></select>');
    answer("o");
    expect(await page.rest()).toContain('<select hidden id="sx-c1" data-sx-late><option>x</option><option>y</option></select>');
  });

  it("writes a failed part's notice as a cell in a row, a row in a table's body, an option in a select", async () => {
    const { page, fail } = gated(`(div (table (tbody (tr (td "A") (wait "cell" "x")) (wait "row" "y"))) (select (wait "opt" "z")) (section (wait "s" "w")))`);
    await page.next();
    for (const k of ["cell", "row", "opt", "s"]) fail(k);
    const html = await page.rest();
    const notice = '<div class="render-error" role="status">This part of the page could not be shown.</div>';
    expect(html).toContain(`<tr><td>A</td><td>${notice}</td></tr><tr><td>${notice}</td></tr></tbody>`);
    expect(html).toContain("<select><option disabled>This part of the page could not be shown.</option></select>");
    expect(html).toContain(`<section>${notice}</section>`);
  });

  it("keeps the page as it reads once all there: a row in its marker's place", async () => {
    const g = gatedEnv();
    const src = `(table (tbody (defer :fallback (tr (td "…")) (tr (td (wait "b" "B")))) (tr (td "C"))))`;
    const { EvalContext, PageStream, emitForms } = await import("../src/index.ts");
    const ctx = new EvalContext(g.env);
    const page = new PageStream({ keep: true });
    ctx.outOfOrder = page;
    const all = reader(page.body).rest();
    void page.follow(emitForms(parse(src), ctx, page.sink), () => "");
    await settle();
    g.answer("b");
    await all;
    expect(page.text).toBe("<table><tbody><tr><td>B</td></tr><tr><td>C</td></tr></tbody></table>");
  });
});

describe("safety on the streamed path", () => {
  it("escapes text, attributes, URLs and script content arriving late exactly as when they are given at once", async () => {
    const registry = basePrimitives.extend();
    registry.defineIO({ name: "later", params: "v", doc: "v, a moment later (test I/O).", fn: ([v]) => new Promise<Value>((r) => setTimeout(() => r(v!), 0)) });
    const page = (get: string) =>
      `(div (p ${get}) (a :href ${get} :title ${get} "x") (a :href (str "/p/" ${get}) :src (str ${get} "/") :class (list "c" ${get}) "y") (script "var v = " (json ${get}) ";") (style "a{content:" (css-value ${get}) "}"))`;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom("<", ">", "&", '"', "'", "/", "s", "c", "r", "i", "p", "t", ":", "j", "a", "v", " ", "\n", "!", "-") }), async (x) => {
        const env = createEnv(registry);
        env.define("x", x);
        const whole = renderForms(parse(page("x")), env) as string;
        const streamed = await reader(streamForms(parse(page("(later x)")), env)).rest();
        expect(streamed).toBe(whole);
      }),
      { numRuns: 200 },
    );
  });
});

describe("render position", () => {
  it("renders the same as values as in the sink (definitions, lists, components, conditionals)", () => {
    const src = `
      (defcomp ~item (&key x) (li :class (list "i" (when (> x 1) "big")) x))
      (define (wrap k) (<> (b k) "!"))
      (ul (map (fn (x) (~item :x x)) (list 1 2 3)) (if true (wrap "y") "n") (cond (false 1) (:else (p "c"))))`;
    const forms = parse(src);
    const env = createEnv();
    const html = renderForms(forms, env);
    expect(html).toBe('<ul><li class="i">1</li><li class="i big">2</li><li class="i big">3</li><b>y</b>!<p>c</p></ul>');
    const values = evaluateForms(forms.filter((f) => !isDefinition(f)), env) as Value[];
    expect(String(values[0])).toBe(html);
  });
});
