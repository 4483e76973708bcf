/**
 * The LLM Worker's parts that need no model: prompt similarity, the line
 * diff, reading streams (SSE, the first complete form), and the stores
 * (memory, and Postgres through the Neon driver on the dev database, as the
 * Worker reaches it).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configureNeon, neonHttpDb, type Db } from "@rose-ash/resolver";
import { neonLocalConfig, startDevDatabase } from "../../../dev/db/server.js";
import { FormWatcher, collect, lineDiff, memoryStore, mostSimilar, normalizePrompt, postgresStore, similarity, sseData, type Generation, type GenerationStore } from "../src/index.ts";

describe("prompt similarity", () => {
  it("normalizes case, spacing and quotes", () => {
    expect(normalizePrompt("  The  “Cheapest”\tBREAD ")).toBe('the "cheapest" bread');
  });
  it("ranks prompts about the same thing above others, 1 for the same words", () => {
    expect(similarity("cheapest bread in the bakery", "Cheapest  bread in the BAKERY")).toBeCloseTo(1, 5);
    const near = similarity("the cheapest products in the bakery", "cheapest bakery products");
    const far = similarity("the cheapest products in the bakery", "upcoming events this month");
    expect(near).toBeGreaterThan(0.5);
    expect(far).toBeLessThan(0.2);
    const ranked = mostSimilar("bakery products by price", [{ prompt: "next events" }, { prompt: "bakery products sorted by price" }, { prompt: "products" }], 2);
    expect(ranked.map((r) => r.prompt)).toEqual(["bakery products sorted by price", "products"]);
  });
});

describe("line diff", () => {
  it("keeps common lines and marks what was added and removed", () => {
    expect(lineDiff("(div\n  (h1 \"a\")\n  (p \"b\"))", "(div\n  (h1 \"A\")\n  (p \"b\"))")).toEqual([
      { kind: "same", text: "(div" },
      { kind: "remove", text: '  (h1 "a")' },
      { kind: "add", text: '  (h1 "A")' },
      { kind: "same", text: '  (p "b"))' },
    ]);
    expect(lineDiff("x", "x")).toEqual([{ kind: "same", text: "x" }]);
  });
});

describe("reading a model's stream", () => {
  const stream = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        // Split anywhere, as the network does.
        for (let i = 0; i < text.length; i += 7) c.enqueue(new TextEncoder().encode(text.slice(i, i + 7)));
        c.close();
      },
    });

  it("yields each event's data, across chunk boundaries and CRLF", async () => {
    const got: string[] = [];
    for await (const d of sseData(stream('data: {"a":1}\n\n: comment\n\ndata: two\r\n\r\ndata: [DONE]\n\n'))) got.push(d);
    expect(got).toEqual(['{"a":1}', "two", "[DONE]"]);
    const tail: string[] = [];
    for await (const d of sseData(stream("data: a\n\ndata: c\ndata: d"))) tail.push(d);
    expect(tail).toEqual(["a", "c\nd"]);
  });

  it("sees where the first top-level form ends: strings, comments and fences do not count", () => {
    const w = new FormWatcher();
    expect(w.push('Here you go:\n```lisp\n(div "a ) b" ; ) not yet\n')).toBe(false);
    expect(w.push("  (p [1 2]))")).toBe(true);
    expect(new FormWatcher().push("no form at all :)")).toBe(false);
    // Parentheses in prose are not the answer: a form opens at the start of a line.
    const prose = new FormWatcher();
    expect(prose.push("Here is the page (as cards):\n```lisp\n")).toBe(false);
    expect(prose.push('  (div "x")')).toBe(true);
  });

  it("collects until the form is complete, or the limit", async () => {
    async function* pieces() {
      yield "(p ";
      yield '"x")';
      yield " trailing talk";
    }
    expect(await collect(pieces(), { stopAtForm: true, maxChars: 100 })).toBe('(p "x")');
    expect(await collect(pieces(), { maxChars: 5 })).toBe('(p "x');
  });
});

function generation(hash: string, over: Partial<Generation> = {}): Generation {
  return {
    hash,
    sexp: '(p "x")',
    cid: "bafkreitest",
    prompt: "a paragraph",
    promptHash: "p".repeat(64),
    provider: "openai-compatible",
    model: "m",
    catalogHash: "c".repeat(64),
    repairs: ["closed 1 parenthesis at 1:7"],
    rounds: 1,
    tokens: 12,
    conversation: "conversation-0000001",
    parent: null,
    createdAt: "2026-12-04T00:00:00.000Z",
    ...over,
  };
}

function storeBehaviour(name: string, make: () => GenerationStore, clean?: () => Promise<unknown>) {
  describe(`the ${name} store`, () => {
    // Each test starts from empty tables.
    if (clean) beforeEach(clean);
    it("keeps generations by hash and cache key, moves conversations, counts what they spent", async () => {
      const store = make();
      const a = generation("a".repeat(64));
      const b = generation("b".repeat(64), { parent: a.hash, prompt: "refined" });
      await store.put(a, "key-a");
      await store.put(a, "key-a");
      await store.put(b, null);
      expect(await store.get(a.hash)).toEqual(a);
      expect(await store.cached("key-a")).toEqual(a);
      expect(await store.cached("key-b")).toBeNull();
      await store.advance("conversation-0000001", a.hash, { rounds: 1, tokens: 10 });
      await store.advance("conversation-0000001", b.hash, { rounds: 2, tokens: 5 });
      await store.advance("conversation-0000001", null, { rounds: 1, tokens: 1 });
      expect(await store.conversation("conversation-0000001")).toEqual({ id: "conversation-0000001", current: b.hash, rounds: 4, tokens: 16 });
      expect((await store.history("conversation-0000001", 10)).map((g) => g.hash)).toEqual([a.hash, b.hash]);
    });

    it("finds well-rated generations, and exports every one with its ratings", async () => {
      const store = make();
      const good = generation("d".repeat(64), { prompt: "good" });
      const poor = generation("e".repeat(64), { prompt: "poor" });
      const hand = generation("f".repeat(64), { provider: "playground", prompt: "(written by hand)" });
      for (const g of [good, poor, hand]) await store.put(g, null);
      for (const [g, v, who] of [[good, 5, "a"], [good, 4, "b"], [poor, 2, "a"], [hand, 5, "a"], [poor, 5, "c"], [poor, 1, "c"]] as const) await store.interact(g.hash, "rated", v, who);
      await store.interact(good.hash, "clicked", null, "session-1");
      expect(await store.approved(10)).toEqual([{ hash: good.hash, prompt: "good", sexp: good.sexp, rating: 4.5 }]);
      const all = await store.all();
      expect(all.find((g) => g.hash === good.hash)).toMatchObject({ rating: 4.5, ratings: 2 });
      // Each rater counts once, with their last rating: c's 5 then 1 is a 1.
      expect(all.find((g) => g.hash === poor.hash)).toMatchObject({ rating: 1.5 });
    });
  });
}

storeBehaviour("memory", memoryStore);

describe("Postgres", () => {
  let db: Awaited<ReturnType<typeof startDevDatabase>>;
  let conn: Db;
  beforeAll(async () => {
    db = await startDevDatabase();
    configureNeon(neonLocalConfig(db.relayPort));
    conn = neonHttpDb(db.connectionString);
  }, 30_000);
  afterAll(async () => {
    await db?.stop();
  });
  storeBehaviour("Postgres", () => postgresStore(conn), () => conn.query("TRUNCATE llm_interactions, llm_cache, llm_conversations, llm_generations", []));
});
