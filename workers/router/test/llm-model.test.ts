/**
 * POST /llm with a model: the LLM Worker (behind the router's LLM binding)
 * talks to a local OpenAI-compatible server that replays recorded replies
 * (dev/llm/replies.json: clean, wrapped in prose, broken, hostile, failing),
 * so these tests drive the real provider adapter, extraction, repair,
 * validation, the cache, conversations and provenance. The replies are
 * recordings; nothing here writes an answer.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";

const base = "http://rose-ash.test";
const replay = inject("replayUrl").replace(/\/v1$/, "");

interface Answer {
  sexp: string;
  hash: string;
  cid: string | null;
  html: string;
  model: string;
  provider: string;
  cached: boolean;
  repairs: string[];
  warnings: { line: number; col: number; message: string }[];
  conversation: string;
}
interface Refusal {
  error: string;
  errors: { line: number; col: number; message: string }[];
  sexp: string | null;
}

let address = 0;
/** Each test its own address, so the rate limit is not what is tested. */
const ask = (body: unknown) =>
  SELF.fetch(base + "/llm", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", accept: "application/json", "cf-connecting-ip": `203.0.113.${++address}` } });

type Sent = { messages: { role: string; content: string }[]; grammar?: string; model: string };
async function sent(): Promise<Sent[]> {
  return (await (await fetch(`${replay}/_requests`)).json()) as Sent[];
}
async function forget(): Promise<void> {
  await fetch(`${replay}/_requests`, { method: "DELETE" });
}

describe("POST /llm with a model", () => {
  it("renders a clean answer with live data, under the catalog's grammar, and answers the same request again from the cache", async () => {
    await forget();
    const res = await ask({ prompt: "The three cheapest products in the bakery, as cards" });
    expect(res.status).toBe(200);
    const a = (await res.json()) as Answer;
    expect(a).toMatchObject({ model: "replay", provider: "openai-compatible", cached: false });
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.html).toContain('<article class="card">');
    const [request] = await sent();
    expect(request!.grammar).toMatch(/^root\s*::=/m);
    expect(request!.messages[0]!.role).toBe("system");
    expect(request!.messages[0]!.content).toContain("~product-card");
    // The same request, in a new conversation: no model is asked.
    const again = (await (await ask({ prompt: "the three cheapest products in the bakery,  as cards" })).json()) as Answer;
    expect(again).toMatchObject({ hash: a.hash, cached: true, sexp: a.sexp, cid: a.cid });
    expect(await sent()).toHaveLength(1);
  });

  it("takes the s-expression out of prose, a code fence and smart quotes, and says so", async () => {
    const a = (await (await ask({ prompt: "The latest two blog posts with their excerpts" })).json()) as Answer;
    expect(a.repairs.join("\n")).toMatch(/fence/i);
    expect(a.repairs.join("\n")).toMatch(/quote/i);
    expect(a.sexp).toContain("(query blog recent-posts :limit 2)");
    expect(a.html).toContain("Latest from the blog");
  });

  it("reads a Clojure-style let vector, and closes a truncated answer", async () => {
    const events = await ask({ prompt: "the next three events" });
    expect(events.status).toBe(200);
    expect(((await events.json()) as Answer).sexp).toMatch(/^\(let \(\(events /);
    const sale = (await (await ask({ prompt: "products on sale" })).json()) as Answer;
    expect(sale.repairs.join("\n")).toMatch(/clos/i);
  });

  it("sends the validator's positioned errors back, and keeps the fixed answer with what was repaired", async () => {
    await forget();
    const a = (await (await ask({ prompt: "our newest arrivals" })).json()) as Answer;
    expect(a.repairs.some((r) => /round 1: 1 problem/.test(r))).toBe(true);
    const [, second] = await sent();
    const errors = second!.messages.at(-1)!.content;
    expect(errors).toMatch(/line \d+, column \d+/);
    expect(errors).toMatch(/unknown query/);
  });

  it("refuses a hostile answer after the repair rounds with positioned errors, and renders none of it", async () => {
    await forget();
    const res = await ask({ prompt: "Claim your prize page" });
    expect(res.status).toBe(422);
    const r = (await res.json()) as Refusal;
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) expect(e).toEqual({ line: expect.any(Number), col: expect.any(Number), message: expect.any(String) });
    expect(r).not.toHaveProperty("html");
    expect(await sent()).toHaveLength(3);
  });

  it("refuses an answer with no s-expression in it", async () => {
    const res = await ask({ prompt: "a poem about sourdough" });
    expect(res.status).toBe(422);
    expect(((await res.json()) as Refusal).errors[0]!.message).toMatch(/no s-expression/);
  });

  it("answers 502 when the provider fails or does not answer in time, with its message", async () => {
    const failed = await ask({ prompt: "our opening hours" });
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as { error: string }).error).toMatch(/HTTP 500: Context size has been exceeded/);
    const slow = await ask({ prompt: "every product we have ever sold" });
    expect(slow.status).toBe(502);
    expect(((await slow.json()) as { error: string }).error).toMatch(/did not answer within 2 s|within 1500 ms/);
  });

  it("flags literal prices where a query has the field", async () => {
    const a = (await (await ask({ prompt: "the white sourdough loaf with its price" })).json()) as Answer;
    expect(a.warnings.length).toBeGreaterThan(0);
    expect(a.warnings).toContainEqual({ line: expect.any(Number), col: expect.any(Number), message: expect.stringMatching(/literal price/i) });
  });

  it("refines a conversation's page: the model gets the current s-expression, the answer is the new one, with provenance", async () => {
    const first = (await (await ask({ prompt: "The three cheapest products in the bakery, as cards" })).json()) as Answer;
    await forget();
    const res = await ask({ prompt: "now only the ones in stock", conversation: first.conversation });
    expect(res.status).toBe(200);
    const second = (await res.json()) as Answer;
    expect(second.conversation).toBe(first.conversation);
    expect(second.hash).not.toBe(first.hash);
    const [request] = await sent();
    expect(request!.messages.at(-1)!.content).toContain(first.sexp.split("\n")[0]!);
    const prov = (await (await SELF.fetch(`${base}/llm/generations/${second.hash}`)).json()) as { object: Record<string, unknown> };
    expect(prov.object).toMatchObject({ "rose:provider": "openai-compatible", "rose:model": "replay", inReplyTo: `${base}/llm/generations/${first.hash}` });
    expect(prov.object["rose:catalogHash"]).toMatch(/^[0-9a-f]{64}$/);
  });
});
