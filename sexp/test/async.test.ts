import { describe, expect, it } from "vitest";
import { EvalError, basePrimitives, createEnv, evaluateForms, parse, printValue, render, type Value } from "../src/index.ts";

/** An environment with I/O primitives that take real time, counting calls. */
function ioEnv() {
  const calls: string[] = [];
  const registry = basePrimitives.extend();
  registry.defineIO({
    name: "fetch-after",
    params: "ms value",
    doc: "Resolves to value after ms milliseconds (test I/O).",
    fn: ([ms, v]) => {
      calls.push(printValue(v!));
      return new Promise<Value>((resolve) => setTimeout(() => resolve(v!), ms as number));
    },
  });
  registry.defineIO({
    name: "fail-after",
    params: "ms",
    doc: "Rejects after ms milliseconds (test I/O).",
    fn: ([ms]) => new Promise<Value>((_, reject) => setTimeout(() => reject(new Error("backend down")), ms as number)),
  });
  return { env: createEnv(registry), calls };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

describe("concurrent I/O", () => {
  it("ten sibling I/O calls of 50 ms finish in well under 100 ms", async () => {
    const { env } = ioEnv();
    const page = `(ul ${Array.from({ length: 10 }, (_, i) => `(li (fetch-after 50 "item ${i}"))`).join(" ")})`;
    const [out, ms] = await timed(() => render(page, env));
    expect(out).toBe("<ul>" + Array.from({ length: 10 }, (_, i) => `<li>item ${i}</li>`).join("") + "</ul>");
    expect(ms).toBeLessThan(90);
  });

  it("independent let bindings run concurrently; dependent ones wait", async () => {
    const { env } = ioEnv();
    const [a, t1] = await timed(() => render("(p (let ((a (fetch-after 50 1)) (b (fetch-after 50 2)) (c (fetch-after 50 3))) (+ a b c)))", env));
    expect(a).toBe("<p>6</p>");
    expect(t1).toBeLessThan(90);
    const [b, t2] = await timed(() => render("(p (let ((a (fetch-after 40 1)) (b (fetch-after 40 (+ a 1)))) b))", env));
    expect(b).toBe("<p>2</p>");
    expect(t2).toBeGreaterThanOrEqual(75);
  });

  it("map over an I/O function runs the calls concurrently", async () => {
    const { env } = ioEnv();
    const [out, ms] = await timed(() => render("(ul (map (fn (i) (li (fetch-after 50 i))) (range 10)))", env));
    expect(out).toBe("<ul>" + Array.from({ length: 10 }, (_, i) => `<li>${i}</li>`).join("") + "</ul>");
    expect(ms).toBeLessThan(90);
  });

  it("I/O flows through components, attributes, conditions and data access", async () => {
    const { env } = ioEnv();
    const src = `
      (defcomp ~card (&key title children) (div :class "card" :data-title title (h2 title) children))
      (~card :title (fetch-after 10 "T")
        (when (fetch-after 10 true) (p (:slot (fetch-after 10 {:a {:b "deep"}}) :a :b))))`;
    expect(await render(src, env)).toBe('<div class="card" data-title="T"><h2>T</h2><p>deep</p></div>');
  });

  it("a failed I/O call rejects with the call's position, and nothing else is lost", async () => {
    const { env } = ioEnv();
    const forms = parse('(div (fetch-after 5 "ok")\n     (fail-after 10))', { src: "page.sexp" });
    const err = await Promise.resolve(evaluateForms(forms, env)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EvalError);
    expect((err as EvalError).text).toBe("page.sexp:2:6: fail-after: backend down");
  });

  it("a let waits for every binding, so an unused failing binding is still reported", async () => {
    const { env } = ioEnv();
    const err = await render("(let ((unused (fail-after 5))) (p 1))", env).catch((e: Error) => e);
    expect((err as Error).message).toBe("fail-after: backend down");
  });

  it("top-level definitions bound to I/O are awaited before the next form", async () => {
    const { env, calls } = ioEnv();
    expect(await render('(define user (fetch-after 10 {:name "Ann"})) (p (:name user))', env)).toBe("<p>Ann</p>");
    expect(calls).toEqual(['{:name "Ann"}']);
  });
});
