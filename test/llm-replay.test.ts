/**
 * The replay server (dev/llm/replay-server.js): the OpenAI-compatible
 * protocol both ways (SSE and JSON), recorded replies per round, the special
 * replies (errors, hangs, explicit chunks), what it was asked; and the LLM
 * Worker's real OpenAI-compatible adapter driven against it. Nothing here is
 * a model: every answer is a recording, and an unrecorded prompt is refused.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { choose, loadReplies, pieces, startReplayServer, textOf, type Scenario } from "../dev/llm/replay-server.js";
import { openAiProvider } from "../workers/llm/src/providers/openai.ts";
import { ProviderError, type ChatMessage } from "../workers/llm/src/providers/provider.ts";

type Replay = Awaited<ReturnType<typeof startReplayServer>>;

const CARDS = `(div :class "grid"\n  (map (fn (p) (~product-card :product p))\n       (take 3 (query market products :category "bakery" :sort "price-asc"))))`;
const FIXED = `(ul (map (fn (p) (li (:name p))) (query market products :category "bakery")))`;

/** Scenarios of these tests' own, beside the recorded file's. */
const scenarios: Scenario[] = [
  { name: "cards", match: "three cheapest products in the bakery", replies: [CARDS] },
  { name: "rounds", match: "newest arrivals", replies: ["(div (query market new-arrivals))", "(div (query market newest))", FIXED] },
  { name: "talkative", match: "say hi", replies: [{ chunks: ["(div", ' "hi")', "\n\nThis page says hi.", ' (p "and goes on")'] }] },
  { name: "fenced", match: "the blog, fenced", replies: ["Here you are:\n\n```lisp\n(~post-list :heading \u201cNews\u201d :posts (query blog recent-posts :limit 2))\n```\n\nEnjoy!"] },
  { name: "broken", match: "opening hours", replies: [{ status: 500, error: "Failed to decode the batch: KV cache is full" }] },
  { name: "busy", match: "slow down", replies: [{ status: 429, error: "too many requests", headers: { "retry-after": "7" } }] },
  { name: "hang", match: "every product we have ever sold", replies: [{ delay_ms: 60_000 }] },
  { name: "late", match: "late but there", replies: [{ delay_ms: 30, then: "(p \"late\")" }] },
];

const user = (content: string): ChatMessage => ({ role: "user", content });
const assistant = (content: string): ChatMessage => ({ role: "assistant", content });
const system: ChatMessage = { role: "system", content: "Answer with one s-expression over the catalog." };

/** The `data:` payloads of an SSE body. */
function events(text: string): string[] {
  return text
    .split(/\n\n/)
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice(6));
}

let replay: Replay;
beforeAll(async () => {
  replay = await startReplayServer({ replies: scenarios });
});
afterAll(async () => {
  await replay?.close();
});
afterEach(async () => {
  await fetch(`${replay.url.replace(/\/v1$/, "")}/_requests`, { method: "DELETE" });
});

const chat = (body: Record<string, unknown>, init: RequestInit = {}) =>
  fetch(`${replay.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), ...init });

describe("the recorded replies (dev/llm/replies.json)", () => {
  const recorded = loadReplies();
  const named = (name: string) => {
    const s = recorded.find((x) => x.name === name);
    if (!s) throw new Error(`no scenario ${name}`);
    return s;
  };

  it("cover the paths the endpoint must take, each found by its own prompt", () => {
    for (const name of ["clean", "prose-fence-smart-quotes", "clojure-let-vector", "truncated", "unknown-query-then-fixed", "hostile", "prose-only", "provider-500", "hang", "invented-prices"]) {
      const s = named(name);
      expect(choose(recorded, [system, user(`Please make: ${s.match.toUpperCase()}.`)])?.scenario.name, name).toBe(name);
    }
    expect(new Set(recorded.map((s) => s.match.toLowerCase())).size).toBe(recorded.length);
  });

  it("are written as models write: fences and smart quotes, Clojure lets, cut-off forms, prose", () => {
    expect(textOf(named("prose-fence-smart-quotes").replies[0])).toMatch(/^Sure![\s\S]*```lisp\n\(section :class \u201c[\s\S]*```\n\n/);
    expect(textOf(named("clojure-let-vector").replies[0])).toMatch(/^\(let \[events \(query events upcoming/);
    const cut = textOf(named("truncated").replies[0])!;
    expect(cut.split("(").length - cut.split(")").length).toBeGreaterThan(0);
    expect(named("prose-only").replies.every((r) => !textOf(r)!.includes("("))).toBe(true);
    expect(named("unknown-query-then-fixed").replies.map(textOf)).toEqual([expect.stringContaining("(query market new-arrivals"), expect.stringContaining('(query market products :sort "name")')]);
    expect(textOf(named("invented-prices").replies[0])).toMatch(/£3\.99[\s\S]*\(query market product-by-slug/);
    expect(named("provider-500").replies[0]).toMatchObject({ status: 500 });
    expect(named("hang").replies[0]).toMatchObject({ delay_ms: expect.any(Number) });
  });

  it("stay hostile in every round: script, handlers, raw!, javascript: URLs, writing actions", () => {
    const rounds = named("hostile").replies.map((r) => textOf(r)!);
    expect(rounds.length).toBeGreaterThanOrEqual(3);
    for (const r of rounds) expect(r).toMatch(/\(script |:onclick |\(raw! |javascript:|\(action |:srcdoc /);
    const all = rounds.join("\n");
    for (const hostile of ["(script ", ":onclick ", "(raw! ", ':href "javascript:', "(action cart ", "(iframe ", ':action "https://'])
      expect(all).toContain(hostile);
  });

  it("use the site's own vocabulary", () => {
    const all = recorded.flatMap((s) => s.replies.map(textOf)).join("\n");
    for (const q of ["(query market products", "(query blog recent-posts", "(query events upcoming", "(query market product-by-slug", "(query market categories", "(query blog post-by-slug"])
      expect(all).toContain(q);
    for (const c of ["(~product-card :product", "(~post-list :heading", "(~event-item :event"]) expect(all).toContain(c);
    expect(all).toMatch(/\(let \(\(\w+ /);
    expect(all).toMatch(/\(:\w+ \w+\)/);
  });
});

describe("the replay server", () => {
  it("lists its model", async () => {
    const res = await fetch(`${replay.url}/models`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ object: "list", data: [{ id: "replay", object: "model", created: 0, owned_by: "replay" }] });
  });

  it("streams a recorded reply as SSE: delta chunks, the finish, usage when asked, then [DONE]", async () => {
    const res = await chat({ model: "m", messages: [system, user("The three cheapest products in the bakery as cards")], stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const data = events(await res.text());
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { object: string; model: string; choices: { delta: { content?: string; role?: string }; finish_reason: string | null }[]; usage?: { prompt_tokens: number; completion_tokens: number } });
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "m")).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(CARDS);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(10);
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(["stop"]);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: Math.ceil(CARDS.length / 4) });
  });

  it("answers in one JSON when not streaming, with usage", async () => {
    const res = await chat({ model: "m", messages: [user("the three cheapest products in the bakery")] });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: CARDS }, finish_reason: "stop" }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
  });

  it("replays per round: the n-th call of an exchange gets replies[n], the last one past the end", async () => {
    const answer = async (messages: ChatMessage[]) => ((await (await chat({ messages })).json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
    const asked = user("The newest arrivals, as cards");
    const errors = (n: number) => user(`Your answer has problems; fix them and answer with the whole form:\n1:6 unknown query market/${n}`);
    expect(await answer([system, asked])).toBe("(div (query market new-arrivals))");
    expect(await answer([system, asked, assistant("(div (query market new-arrivals))"), errors(1)])).toBe("(div (query market newest))");
    expect(await answer([system, asked, assistant("(div (query market new-arrivals))"), errors(1), assistant("(div (query market newest))"), errors(2)])).toBe(FIXED);
    expect(await answer([system, asked, assistant("x"), errors(1), assistant("y"), errors(2), assistant("z"), errors(3)])).toBe(FIXED);
  });

  it("counts rounds from the prompt: few-shot examples before it do not count, a repair prompt that quotes it does not restart", () => {
    const example = [user("The three cheapest products in the bakery as cards"), assistant(CARDS)];
    expect(choose(scenarios, [system, ...example, user("The newest arrivals")])).toMatchObject({ scenario: { name: "rounds" }, round: 0 });
    // The assistant's answer as the adapter read it: cut at the first complete form.
    const quoting = user("You were asked for the newest arrivals; 1:6 unknown query market/new-arrivals");
    expect(choose(scenarios, [system, ...example, user("the newest arrivals"), assistant("(div (query market new-arrivals))"), quoting])).toMatchObject({ scenario: { name: "rounds" }, round: 1 });
    expect(choose(scenarios, [system, user("the weather today")])).toBeNull();
  });

  it("refuses a prompt it has no recording for, as an OpenAI-style 400", async () => {
    const res = await chat({ messages: [system, user("A page about the weather")] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toMatch(/^no recorded reply for "A page about the weather"/);
    expect(body.error.type).toBe("invalid_request_error");
    expect((await chat({ messages: [] })).status).toBe(400);
    expect((await fetch(`${replay.url}/chat/completions`, { method: "POST", body: "{not json" })).status).toBe(400);
  });

  it("fails as recorded: the status and message, headers too", async () => {
    const broken = await chat({ messages: [user("opening hours")] });
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ error: { message: "Failed to decode the batch: KV cache is full", type: "server_error", code: 500 } });
    const busy = await chat({ messages: [user("slow down")] });
    expect(busy.status).toBe(429);
    expect(busy.headers.get("retry-after")).toBe("7");
  });

  it("sends explicit chunks exactly as recorded (joined when not streaming), and a delayed reply after its delay", async () => {
    const data = events(await (await chat({ messages: [user("say hi")], stream: true })).text());
    const contents = data.slice(0, -1).map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content).filter(Boolean);
    expect(contents).toEqual(["(div", ' "hi")', "\n\nThis page says hi.", ' (p "and goes on")']);
    const whole = (await (await chat({ messages: [user("say hi")] })).json()) as { choices: { message: { content: string } }[] };
    expect(whole.choices[0]!.message.content).toBe('(div "hi")\n\nThis page says hi. (p "and goes on")');
    const started = Date.now();
    const late = (await (await chat({ messages: [user("late but there")] })).json()) as { choices: { message: { content: string } }[] };
    expect(late.choices[0]!.message.content).toBe('(p "late")');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("cuts an answer at max_tokens as a server would", async () => {
    const body = (await (await chat({ messages: [user("three cheapest products in the bakery")], max_tokens: 5 })).json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(body.choices[0]).toMatchObject({ message: { content: CARDS.slice(0, 20) }, finish_reason: "length" });
  });

  it("splits text into token-sized pieces that join back exactly", () => {
    for (const text of [CARDS, "  (a  b)\n\n ", "", "\u201cx\u201d"]) expect(pieces(text).join("")).toBe(text);
  });

  it("records what it was asked; DELETE /_requests forgets", async () => {
    await chat({ model: "m", messages: [user("three cheapest products in the bakery")], grammar: "root ::= \"(\"" });
    await chat({ messages: [user("unrecorded")] });
    const origin = replay.url.replace(/\/v1$/, "");
    const listed = (await (await fetch(`${origin}/_requests`)).json()) as Record<string, unknown>[];
    expect(listed).toEqual(replay.requests());
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ model: "m", grammar: 'root ::= "("', messages: [{ role: "user", content: "three cheapest products in the bakery" }] });
    expect((await fetch(`${origin}/_requests`, { method: "DELETE" })).status).toBe(204);
    expect(replay.requests()).toEqual([]);
  });

  it("requires the API key when it is given one", async () => {
    const keyed = await startReplayServer({ replies: scenarios, apiKey: "sk-test" });
    try {
      const body = JSON.stringify({ messages: [user("say hi")] });
      expect((await fetch(`${keyed.url}/chat/completions`, { method: "POST", body })).status).toBe(401);
      expect((await fetch(`${keyed.url}/chat/completions`, { method: "POST", body, headers: { authorization: "Bearer sk-test" } })).status).toBe(200);
    } finally {
      await keyed.close();
    }
  });

  it("runs from the command line, saying where it listens", async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL("../dev/llm/replay-server.js", import.meta.url)), "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c) => {
          out += c;
          const m = /^listening on (http:\/\/127\.0\.0\.1:\d+\/v1)$/m.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const models = (await (await fetch(`${url}/models`)).json()) as { data: { id: string }[] };
      expect(models.data[0]!.id).toBe("replay");
      const res = await fetch(`${url}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [user("The three cheapest products in the bakery as cards")] }) });
      expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toContain("(query market products");
    } finally {
      child.kill("SIGTERM");
    }
  });
});

describe("the OpenAI-compatible adapter (workers/llm) against it", () => {
  const provider = (options: Partial<Parameters<typeof openAiProvider>[0]> = {}) => openAiProvider({ baseUrl: replay.url, model: "replay-model", timeoutMs: 5_000, ...options });
  const ask = (content: string, more: Partial<Parameters<ReturnType<typeof openAiProvider>["complete"]>[0]> = {}) => ({ messages: [system, user(content)], maxTokens: 256, ...more });

  it("reads a streamed answer, with the usage the server reports", async () => {
    const c = await provider().complete(ask("The three cheapest products in the bakery as cards"));
    expect(c.text).toBe(CARDS);
    expect(c.completionTokens).toBe(Math.ceil(CARDS.length / 4));
    expect(c.promptTokens).toBeGreaterThan(0);
    const [sent] = replay.requests();
    expect(sent).toMatchObject({ model: "replay-model", max_tokens: 256, stream: true, stream_options: { include_usage: true }, messages: [system, user("The three cheapest products in the bakery as cards")] });
    expect(sent).not.toHaveProperty("grammar");
  });

  it("reads a plain JSON answer when not streaming", async () => {
    const c = await provider({ stream: false }).complete(ask("The three cheapest products in the bakery as cards"));
    expect(c).toEqual({ text: CARDS, promptTokens: expect.any(Number), completionTokens: Math.ceil(CARDS.length / 4) });
    expect(replay.requests()[0]).toMatchObject({ stream: false });
  });

  it("stops reading at the first complete form with stopAtForm, past fences and smart quotes", async () => {
    expect((await provider().complete(ask("say hi", { stopAtForm: true }))).text).toBe('(div "hi")');
    expect((await provider().complete(ask("say hi"))).text).toBe('(div "hi")\n\nThis page says hi. (p "and goes on")');
    const fenced = (await provider().complete(ask("the blog, fenced", { stopAtForm: true }))).text;
    expect(fenced).toMatch(/^Here you are:\n\n```lisp\n\(~post-list :heading \u201cNews\u201d :posts \(query blog recent-posts :limit 2\)\)/);
    expect(fenced).not.toContain("Enjoy");
  });

  it("gets the next round's reply when the validator's errors go back", async () => {
    const p = provider();
    const asked = user("The newest arrivals, as cards");
    const first = (await p.complete({ messages: [system, asked], maxTokens: 256, stopAtForm: true })).text;
    const errors = user("Fix these problems and answer with the whole form:\n1:6 unknown query market/new-arrivals (did you mean market/products?)");
    const second = (await p.complete({ messages: [system, asked, assistant(first), errors], maxTokens: 256, stopAtForm: true })).text;
    expect([first, second]).toEqual(["(div (query market new-arrivals))", "(div (query market newest))"]);
    expect(replay.requests()[1]).toMatchObject({ messages: [system, asked, assistant(first), errors] });
  });

  it("turns an HTTP error into a ProviderError with the endpoint's message and status", async () => {
    const failure = await provider().complete(ask("opening hours")).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ status: 500, message: "openai-compatible (replay-model): HTTP 500: Failed to decode the batch: KV cache is full" });
    const unrecorded = await provider().complete(ask("the weather")).catch((e: unknown) => e);
    expect(unrecorded).toMatchObject({ status: 400, message: expect.stringContaining('no recorded reply for "the weather"') });
  });

  it("turns a hang into a timeout ProviderError within timeoutMs", async () => {
    const started = Date.now();
    const failure = await provider({ timeoutMs: 300 }).complete(ask("every product we have ever sold")).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).message).toMatch(/^openai-compatible \(replay-model\): the model did not answer within /);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3_000);
    // Not streaming, the same.
    const plain = await provider({ timeoutMs: 300, stream: false }).complete(ask("every product we have ever sold")).catch((e: unknown) => e);
    expect(plain).toMatchObject({ message: expect.stringContaining("did not answer within") });
  });

  it("sends the grammar only when the provider takes one (grammar: true) and the request has one", async () => {
    const grammar = 'root ::= "(" [a-z]{1,8} ")"';
    await provider({ grammar: true }).complete(ask("say hi", { grammar }));
    await provider({ grammar: false }).complete(ask("say hi", { grammar }));
    await provider().complete(ask("say hi", { grammar }));
    await provider({ grammar: true }).complete(ask("say hi"));
    expect(replay.requests().map((r) => r.grammar ?? null)).toEqual([grammar, null, null, null]);
    expect(provider({ grammar: true }).grammar).toBe(true);
    expect(provider().grammar).toBe(false);
  });

  it("sends the API key as a bearer token", async () => {
    const keyed = await startReplayServer({ replies: scenarios, apiKey: "sk-local" });
    try {
      expect((await openAiProvider({ baseUrl: keyed.url, model: "m", apiKey: "sk-local", timeoutMs: 5_000 }).complete(ask("say hi"))).text).toContain('(div "hi")');
      const refused = await openAiProvider({ baseUrl: `${keyed.url}/`, model: "m", timeoutMs: 5_000 }).complete(ask("say hi")).catch((e: unknown) => e);
      expect(refused).toMatchObject({ status: 401, message: expect.stringContaining("Invalid API key") });
    } finally {
      await keyed.close();
    }
  });
});
