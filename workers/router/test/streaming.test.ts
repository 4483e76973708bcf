/**
 * Pages sent as they render, inside workerd. A shared page no one had: the
 * layout (head, the visitor's header) before the market's products query
 * answers, the rest in order once it does; a query that fails after the
 * page started shows the site's notice in its place, and that page is not
 * kept. A page for one visitor streams the same way when it can change
 * nothing, once its first queries have answered (so that a database that is
 * down is still answered with the 503 page); one that can change something
 * (a POST, a session) is rendered whole.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { handle, type WorkerEnv } from "../src/index.ts";

const base = "http://rose-ash.test";

/** The test's resolver, with batches that ask for `held` (the market's products) held until `open()` (or failed by `fail()`). */
function gatedResolver(held = /"service":"market","name":"products"/) {
  const real = (env as WorkerEnv).RESOLVER!;
  let open!: () => void;
  let fail!: (e: Error) => void;
  const gate = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  gate.catch(() => {});
  const binding = {
    fetch: async (input: string, init?: RequestInit): Promise<Response> => {
      if (held.test(String(init?.body ?? ""))) await gate;
      return real.fetch(input, init);
    },
  };
  return { env: { ...env, RESOLVER: binding } as WorkerEnv, open: () => open(), fail: () => fail(new Error("the products query failed")) };
}

async function chunks(res: Response): Promise<{ first: string; rest: () => Promise<string> }> {
  const reader = res.body!.getReader();
  const utf8 = new TextDecoder();
  const first = utf8.decode((await reader.read()).value);
  return {
    first,
    rest: async () => {
      let text = first;
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += utf8.decode(r.value, { stream: true });
      return text;
    },
  };
}

describe("a page no one had, sent as it renders", () => {
  it("sends the layout and the visitor's header while the products query is out, then the rest in order", async () => {
    const gated = gatedResolver();
    const res = await handle(new Request(`${base}/market/?sort=name-desc`), gated.env);
    expect([res.status, res.headers.get("x-rose-cache"), res.headers.get("x-rose-stream")]).toEqual([200, "miss", "streamed"]);
    const { first, rest } = await chunks(res);
    expect(first).toMatch(/^<!doctype html><html lang="en"><head>.*<\/head><body>.*<header class="site-header">/);
    expect(first).not.toContain("<!--rose:hole"); // the header is this visitor's, filled in
    expect(first).not.toContain("<h1>Market</h1>");
    gated.open();
    const page = await rest();
    expect(page).toContain("<h1>Market</h1>");
    expect(page.endsWith("</html>")).toBe(true);
    // Kept once all of it was there: the next visitor is served it from its pointer, the same page.
    const again = await handle(new Request(`${base}/market/?sort=name-desc`), env as WorkerEnv);
    expect(again.headers.get("x-rose-cache")).toBe("hit");
    expect(await again.text()).toBe(page);
  });

  it("shows the site's notice where a query failed after the page started, keeps the page whole, and does not keep it", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const gated = gatedResolver();
    const res = await handle(new Request(`${base}/market/?sort=price-desc&category=Dairy`), gated.env);
    const { first, rest } = await chunks(res);
    expect(first).toContain('<header class="site-header">');
    gated.fail();
    const page = await rest();
    expect(res.status).toBe(200);
    expect(page).toMatch(/<span class="fragment-error" role="status" data-fragment="page\/[^"]*">Unavailable<\/span>/);
    expect(page).toMatch(/<\/main><\/body><\/html>$/);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("the products query failed"));
    logged.mockRestore();
    // A page with a part that failed is not kept: the next request renders it again.
    const again = await handle(new Request(`${base}/market/?sort=price-desc&category=Dairy`), env as WorkerEnv);
    expect(again.headers.get("x-rose-cache")).toBe("miss");
    expect(await again.text()).not.toContain("fragment-error");
  });
});

describe("a page for one visitor, sent as it renders", () => {
  it("waits for the first answer, then sends what is ready while the next queries are out (nothing kept, no pointer)", async () => {
    const signIn = await handle(
      new Request(`${base}/account/sign-in/`, { method: "POST", body: new URLSearchParams({ email: "hannah@example.org", password: "rose-ash" }), redirect: "manual" }),
      env as WorkerEnv,
    );
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const gated = gatedResolver(/"service":"account","name":"orders"/);
    const res = await handle(new Request(`${base}/account/`, { headers: { cookie } }), gated.env);
    expect([res.status, res.headers.get("x-rose-cache"), res.headers.get("x-rose-stream"), res.headers.get("x-rose-pointer")]).toEqual([200, "bypass", "streamed", null]);
    const { first, rest } = await chunks(res);
    // The head goes once the visitor is known (its styles and scripts load meanwhile); the header waits in the batch with the orders.
    expect(first).toMatch(/^<!doctype html><html lang="en"><head>.*<\/head><body>/);
    expect(first).not.toContain("</html>");
    gated.open();
    const page = await rest();
    expect(page).toContain("Hannah");
    expect(page.endsWith("</html>")).toBe(true);
  });

  it("renders whole what can change something, so that its cookie goes with it", async () => {
    const res = await handle(new Request(`${base}/cart/add/`, { method: "POST", body: new URLSearchParams({ product_id: "1" }), redirect: "manual" }), env as WorkerEnv);
    expect(res.headers.get("x-rose-stream")).toBeNull();
    expect(res.headers.get("set-cookie")).toMatch(/^rose_session=/);
  });
});
