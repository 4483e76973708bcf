/**
 * The local model engine end to end: real llama.cpp (node-llama-cpp, installed by
 * dev/local-gguf/install.js) behind the local-gguf sidecar's OpenAI-compatible
 * protocol, on tiny GGUF models generated here (dev/local-gguf/models.js), never
 * downloaded. A counted bigram model answers deterministically; a random-weight
 * model sampled under a GBNF grammar fuzzes constrained decoding.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prebuiltPackage } from "../dev/local-gguf/install.js";
import { bigramModel, randomModel, spmVocabulary } from "../dev/local-gguf/models.js";
import { SEXP_GBNF, SEXP_MAX_CHARS, inSexpLanguage } from "./llm/sexp-grammar.ts";
import { chat, chatStream, engineMissing, modelFolder, runSidecar, startSidecar, tokenize, type Sidecar } from "./llm/sidecar.ts";

/** Chat transcripts as the sidecar writes them for models without a chat template; each prompt one piece, so its last token names the answer. */
const CORPUS: (string | string[])[] = [
  ["user: show me the products\nassistant:", " (page :title \"Products\" (product-list :query \"products\"))"],
  ["user: what is on the blog?\nassistant:", " (page :title \"Blog\"", " (post-list :query \"recent-posts\" :limit 5))"],
  ["user: say hello\nassistant:", " (p \"Hello, world!\")"],
  // A plain string is split into words.
  "user: greet in french\nassistant: (p \"Bonjour à tous ☃\")",
];
/** ChatML, as models ship it in tokenizer.chat_template. */
const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const ANSWERS: [string, string][] = [
  ["show me the products", '(page :title "Products" (product-list :query "products"))'],
  ["what is on the blog?", '(page :title "Blog" (post-list :query "recent-posts" :limit 5))'],
  ["say hello", '(p "Hello, world!")'],
  ["greet in french", '(p "Bonjour à tous ☃")'],
];

describe("the SentencePiece vocabulary", () => {
  it("has <unk>, <s>, </s> and the 256 byte tokens, so any text tokenizes and comes back", () => {
    const v = spmVocabulary({ pieces: ["(page", " :title"], userDefined: ["user: hi\nassistant:"] });
    expect(v.tokens.slice(0, 5)).toEqual(["<unk>", "<s>", "</s>", "<0x00>", "<0x01>"]);
    expect(v.tokens[258]).toBe("<0xFF>");
    expect(v.types.slice(0, 4)).toEqual([2, 3, 3, 6]);
    for (const text of ['(page :title "x")', "☃ \u0000\n\t é", ""]) expect(v.detokenize(v.tokenize(text))).toBe(text);
    // Whole pieces where they match, bytes elsewhere.
    expect(v.tokenize("(page :title").map((id) => v.tokens[id])).toEqual(["(page", "▁:title"]);
    expect(v.tokenize("é").map((id) => v.tokens[id])).toEqual(["<0xC3>", "<0xA9>"]);
    // User-defined tokens are cut out first, wherever they are.
    expect(v.tokenize("x user: hi\nassistant:(page").map((id) => v.tokens[id])).toEqual(["<0x78>", "▁", "user: hi\nassistant:", "(page"]);
    expect(v.types.at(-1)).toBe(4);
  });

  it("names the prebuilt llama.cpp package for this platform, and none where there is none", () => {
    expect(prebuiltPackage("linux", "x64")).toBe("@node-llama-cpp/linux-x64");
    expect(prebuiltPackage("darwin", "arm64")).toBe("@node-llama-cpp/mac-arm64-metal");
    expect(prebuiltPackage("win32", "x64")).toBe("@node-llama-cpp/win-x64");
    expect(prebuiltPackage("freebsd", "x64")).toBeUndefined();
  });
});

/** The name of a suite, with why it is skipped where it is. */
const suite = (name: string) => (engineMissing ? `${name} (skipped: ${engineMissing})` : name);

describe.skipIf(engineMissing)(suite("llama.cpp behind the local-gguf sidecar"), () => {
  const bigram = bigramModel(CORPUS);
  const random = randomModel({ seed: 12 });
  // Under ChatML every prompt ends in the assistant header, so this one knows a single answer.
  const templated = bigramModel([["assistant\n", '(p "templated")']], { chatTemplate: CHATML, control: ["<|im_start|>", "<|im_end|>"] });
  let folder: ReturnType<typeof modelFolder>;
  let sidecar: Sidecar;

  beforeAll(async () => {
    folder = modelFolder();
    sidecar = await startSidecar([folder.write("bigram.gguf", bigram.gguf), folder.write("random.gguf", random.gguf), folder.write("chatml.gguf", templated.gguf)]);
  }, 30_000);
  afterAll(async () => {
    await sidecar?.close();
    folder?.remove();
  });

  it("lists the models it serves", async () => {
    const res = await fetch(`${sidecar.url}/models`);
    const body = (await res.json()) as { data: { id: string; object: string }[] };
    expect(body.data.map((m) => m.id)).toEqual(["bigram.gguf", "random.gguf", "chatml.gguf"]);
  });

  it("tokenizes exactly as the JS port of llama.cpp's SentencePiece tokenizer the models are built with", async () => {
    const texts = [...ANSWERS.map(([q]) => `user: ${q}\nassistant:`), 'system: be brief\nuser: hi there\nassistant: (p "x")', "  two  spaces, tabs\t and ünïcödé ☃ 🎉", "(((())))"];
    for (const text of texts) {
      expect(await tokenize(sidecar.origin, "bigram", text), text).toEqual(bigram.vocab.tokenize(text));
      expect(await tokenize(sidecar.origin, "random", text), text).toEqual(random.vocab.tokenize(text));
    }
  });

  it("the bigram model answers each corpus prompt with its answer, greedily, the same every time, streamed or not", async () => {
    expect(bigram.ambiguous).toEqual([]);
    for (const [question, answer] of ANSWERS) {
      const body = { model: "bigram", messages: [{ role: "user", content: question }], temperature: 0, max_tokens: 64 };
      const first = await chat(sidecar.url, body);
      expect(first.status).toBe(200);
      expect(first.answer.choices[0]?.message).toEqual({ role: "assistant", content: answer });
      expect(first.answer.choices[0]?.finish_reason).toBe("stop");
      expect(first.answer.model).toBe("bigram.gguf");
      // The prompt's tokens: BOS and the transcript's.
      expect(first.answer.usage.prompt_tokens).toBe(1 + bigram.vocab.tokenize(`user: ${question}\nassistant:`).length);
      expect(first.answer.usage.completion_tokens).toBeGreaterThan(0);
      expect((await chat(sidecar.url, body)).answer.choices[0]?.message.content).toBe(answer);
      const streamed = await chatStream(sidecar.url, body);
      expect(streamed.text).toBe(answer);
      // Sampling too: the counts leave nothing else likely.
      expect((await chat(sidecar.url, { ...body, temperature: 0.7, seed: 5 })).answer.choices[0]?.message.content).toBe(answer);
    }
  });

  it("honours logit_bias: a banned token is not written", async () => {
    const body = { model: "bigram", messages: [{ role: "user", content: "say hello" }], temperature: 0 };
    const [answerToken] = bigram.vocab.tokenize(' (p "Hello, world!")');
    expect((await chat(sidecar.url, { ...body, logit_bias: { [String(answerToken)]: 10 } })).answer.choices[0]?.message.content).toBe('(p "Hello, world!")');
    expect((await chat(sidecar.url, { ...body, logit_bias: { [String(answerToken)]: -100 } })).answer.choices[0]?.message.content).not.toContain("Hello");
  });

  it("the bigram model answers the same after a system message, and stops at max_tokens with finish_reason length", async () => {
    const messages = [
      { role: "system", content: "Write one s-expression." },
      { role: "user", content: "show me the products" },
    ];
    const { answer } = await chat(sidecar.url, { model: "bigram.gguf", messages, temperature: 0 });
    expect(answer.choices[0]?.message.content).toBe(ANSWERS[0]?.[1]);
    const short = await chat(sidecar.url, { model: "bigram.gguf", messages: [{ role: "user", content: "what is on the blog?" }], temperature: 0, max_tokens: 1 });
    expect(short.answer.choices[0]).toMatchObject({ finish_reason: "length", message: { content: '(page :title "Blog"' } });
    expect(short.answer.usage.completion_tokens).toBe(1);
    const stopped = await chat(sidecar.url, { model: "bigram.gguf", messages: [{ role: "user", content: "say hello" }], temperature: 0, stop: [","] });
    expect(stopped.answer.choices[0]?.message.content).toBe('(p "Hello');
  });

  it("writes the prompt with the model's chat template when it has one", async () => {
    const messages = [
      { role: "system", content: "be brief" },
      { role: "user", content: "say hello" },
    ];
    const { answer } = await chat(sidecar.url, { model: "chatml", messages, temperature: 0 });
    expect(answer.choices[0]?.message.content).toBe('(p "templated")');
    // <s> <|im_start|> system\n be brief <|im_end|> \n <|im_start|> user\n say hello <|im_end|> \n <|im_start|> assistant\n
    const text = (s: string) => templated.vocab.tokenize(s).length;
    expect(answer.usage.prompt_tokens).toBe(1 + 6 + text("system\nbe brief") + text("\nuser\nsay hello") + text("\n"));
    // Without a template the same messages are a transcript, which holds the bigram model's prompt piece.
    expect((await chat(sidecar.url, { model: "bigram", messages, temperature: 0 })).answer.choices[0]?.message.content).toBe('(p "Hello, world!")');
  });

  it("streams server-sent events: a role, content deltas, a finish reason, usage when asked, then [DONE]", async () => {
    const s = await chatStream(sidecar.url, {
      model: "bigram",
      messages: [{ role: "user", content: "what is on the blog?" }],
      temperature: 0,
      stream_options: { include_usage: true },
    });
    expect(s.status).toBe(200);
    expect(s.contentType).toMatch(/^text\/event-stream/);
    expect(s.malformed).toEqual([]);
    expect(s.done).toBe(true);
    expect(s.chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "bigram.gguf")).toBe(true);
    expect(s.chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    // The answer is two tokens: it arrives in more than one delta.
    expect(s.chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThanOrEqual(2);
    expect(s.text).toBe(ANSWERS[1]?.[1]);
    const finish = s.chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.map((c) => c.choices[0]?.finish_reason)).toEqual(["stop"]);
    expect(s.chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 2 } });
  });

  it("the random model sampled under a GBNF grammar writes only sentences of the grammar (200 seeds)", async () => {
    // The whole distribution (no top-k, top-p or min-p cut), and room to finish any sentence.
    const sample = (seed: number) => ({
      model: "random",
      messages: [{ role: "user", content: "write a page" }],
      grammar: SEXP_GBNF,
      temperature: 1,
      top_k: 0,
      top_p: 1,
      min_p: 0,
      seed,
      max_tokens: SEXP_MAX_CHARS + 1,
    });
    const outputs: string[] = [];
    const outside: string[] = [];
    for (let seed = 0; seed < 200; seed++) {
      const { status, answer } = await chat(sidecar.url, sample(seed));
      expect(status).toBe(200);
      const choice = answer.choices[0];
      const text = choice?.message.content ?? "";
      outputs.push(text);
      if (choice?.finish_reason !== "stop" || !inSexpLanguage(text)) outside.push(`${choice?.finish_reason}: ${JSON.stringify(text)}`);
    }
    expect(outside).toEqual([]);
    // A fuzzer only if it explores: many different sentences, nested ones among them.
    expect(new Set(outputs).size).toBeGreaterThanOrEqual(50);
    expect(outputs.filter((o) => /^\(\w+ .*\(/.test(o)).length).toBeGreaterThanOrEqual(5);
    // The same seed samples the same sentence, streamed or not.
    for (const seed of [3, 7, 11]) {
      expect((await chat(sidecar.url, sample(seed))).answer.choices[0]?.message.content).toBe(outputs[seed]);
      expect((await chatStream(sidecar.url, sample(seed))).text).toBe(outputs[seed]);
    }
  }, 60_000);

  it("refuses a grammar that does not compile with 400 and llama.cpp's reason", async () => {
    const messages = [{ role: "user", content: "x" }];
    const undefinedRule = await chat(sidecar.url, { model: "random", messages, grammar: 'root ::= "(" tag ")"' });
    expect(undefinedRule.status).toBe(400);
    expect(undefinedRule.answer.error).toMatchObject({ code: "invalid_grammar", message: "grammar: Undefined rule identifier 'tag'" });
    const leftRecursive = await chat(sidecar.url, { model: "random", messages, grammar: 'root ::= root "a" | "a"', stream: true });
    expect(leftRecursive.status).toBe(400);
    expect(leftRecursive.answer.error?.message).toMatch(/^grammar: unsupported grammar, left recursion detected/);
    // And still serves.
    expect((await chat(sidecar.url, { model: "bigram", messages: [{ role: "user", content: "say hello" }], temperature: 0 })).answer.choices[0]?.message.content).toBe('(p "Hello, world!")');
  }, 20_000);

  it("answers bad requests with a status and an OpenAI-style error, never a stack", async () => {
    const post = (body: string) => fetch(`${sidecar.url}/chat/completions`, { method: "POST", body });
    const malformed = await post("{not json");
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toMatch(/^malformed JSON/);
    expect((await post(JSON.stringify({ messages: [] }))).status).toBe(400);
    expect((await post(JSON.stringify({ messages: [{ role: "user", content: "x" }], max_tokens: -1 }))).status).toBe(400);
    expect((await post(JSON.stringify({ messages: [{ role: "user", content: "x" }], n: 2 }))).status).toBe(400);
    expect((await post(JSON.stringify({ messages: [{ role: "user", content: "x" }], logit_bias: { x: 1 } }))).status).toBe(400);
    // More than the context (8192 tokens, less a tenth kept for shifting) holds: one byte token each.
    const long = await chat(sidecar.url, { model: "random", messages: [{ role: "user", content: "x".repeat(8000) }] });
    expect(long.status).toBe(400);
    expect(long.answer.error).toMatchObject({ code: "context_length_exceeded" });
    const unknown = await chat(sidecar.url, { model: "gpt-4", messages: [{ role: "user", content: "x" }] });
    expect(unknown.status).toBe(404);
    expect(unknown.answer.error?.message).toBe('model "gpt-4" is not served here; models: bigram.gguf, random.gguf, chatml.gguf');
    expect((await fetch(`${sidecar.url}/nothing`)).status).toBe(404);
    expect(sidecar.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe.skipIf(engineMissing)(suite("the local-gguf sidecar's start"), () => {
  it("says in one line why a model file cannot be loaded, and exits 1", async () => {
    const folder = modelFolder();
    try {
      const notGguf = await runSidecar([folder.write("broken.gguf", new TextEncoder().encode("not a model"))]);
      expect(notGguf).toMatchObject({ code: 1, stdout: "" });
      expect(notGguf.stderr).toMatch(/^local-gguf: cannot load .*broken\.gguf: Invalid GGUF magic.*\n$/);
      const { gguf } = randomModel({ seed: 1 });
      const truncated = await runSidecar([folder.write("truncated.gguf", gguf.subarray(0, gguf.length - 1000))]);
      expect(truncated).toMatchObject({ code: 1, stdout: "" });
      expect(truncated.stderr).toMatch(/^local-gguf: cannot load .*truncated\.gguf: tensor '[\w.]+' data is not within the file bounds, model is corrupted or incomplete\n$/);
    } finally {
      folder.remove();
    }
  }, 20_000);

  it("says that no model is set", async () => {
    const { code, stderr } = await runSidecar([]);
    expect(code).toBe(1);
    expect(stderr).toBe("local-gguf: no model: set LOCAL_GGUF=path/model.gguf\n");
  });
});

// Printed past vitest (which keeps what passing files log to itself), so a skip is seen.
if (engineMissing) process.stderr.write(`test/llm-engine.test.ts: skipped the local model engine tests: ${engineMissing}\n`);
