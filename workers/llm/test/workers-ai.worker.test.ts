/**
 * The Workers AI adapter's own code, in workerd, against a fake `AI`
 * binding: an object with the binding's `run(model, inputs)` that answers
 * with recorded Workers AI replies (a stream of SSE events, or one JSON
 * object), as the real binding does. Nothing here decides what a model says.
 */
import { describe, expect, it } from "vitest";
import { ProviderError, workersAiProvider, type AiBinding } from "../src/index.ts";

const utf8 = new TextEncoder();

/** Workers AI's streamed answer: `data: {"response": ...}` events, then `data: [DONE]`. */
function sse(pieces: readonly string[], usage?: { prompt_tokens: number; completion_tokens: number }): ReadableStream<Uint8Array> {
  const events = [...pieces.map((p) => `data: ${JSON.stringify({ response: p })}\n\n`), ...(usage ? [`data: ${JSON.stringify({ response: "", usage })}\n\n`] : []), "data: [DONE]\n\n"];
  return new ReadableStream({
    start(controller) {
      for (const e of events) controller.enqueue(utf8.encode(e));
      controller.close();
    },
  });
}

function recording(answer: (inputs: Record<string, unknown>) => unknown): AiBinding & { calls: { model: string; inputs: Record<string, unknown> }[] } {
  const calls: { model: string; inputs: Record<string, unknown> }[] = [];
  return {
    calls,
    run: async (model, inputs) => {
      calls.push({ model, inputs });
      return answer(inputs);
    },
  };
}

const messages = [
  { role: "system" as const, content: "You write s-expressions." },
  { role: "user" as const, content: "a heading" },
];

describe("the Workers AI provider", () => {
  it("sends the messages to the configured model as a stream and reads the events back", async () => {
    const ai = recording(() => sse(['(h1 "', "Hel", 'lo")'], { prompt_tokens: 40, completion_tokens: 6 }));
    const provider = workersAiProvider(ai, { model: "@cf/meta/llama-3.1-8b-instruct", timeoutMs: 1000 });
    const answer = await provider.complete({ messages, maxTokens: 256 });
    expect(answer).toEqual({ text: '(h1 "Hello")', promptTokens: 40, completionTokens: 6 });
    expect(ai.calls[0]!.model).toBe("@cf/meta/llama-3.1-8b-instruct");
    expect(ai.calls[0]!.inputs).toMatchObject({ messages, max_tokens: 256, stream: true });
    expect(provider).toMatchObject({ name: "workers-ai", grammar: false });
  });

  it("stops reading at the first complete form when asked", async () => {
    const ai = recording(() => sse(['(p "one")', " and then some ", "explanation (with parens)"]));
    const answer = await workersAiProvider(ai, { timeoutMs: 1000 }).complete({ messages, maxTokens: 256, stopAtForm: true });
    expect(answer.text).toBe('(p "one")');
  });

  it("takes a plain JSON answer too, and uses the default model when none is configured", async () => {
    const ai = recording(() => ({ response: '(p "plain")', usage: { prompt_tokens: 3, completion_tokens: 4 } }));
    const provider = workersAiProvider(ai, { timeoutMs: 1000 });
    expect(await provider.complete({ messages, maxTokens: 64 })).toEqual({ text: '(p "plain")', promptTokens: 3, completionTokens: 4 });
    expect(provider.model).toMatch(/^@cf\//);
  });

  it("fails clearly: the binding's error, an answer without text, a deadline", async () => {
    const failing = workersAiProvider(recording(() => Promise.reject(new Error("5007: No such model"))), { model: "@cf/x", timeoutMs: 1000 });
    await expect(failing.complete({ messages, maxTokens: 64 })).rejects.toThrow(new ProviderError("workers-ai (@cf/x): 5007: No such model"));
    const empty = workersAiProvider(recording(() => ({ result: {} })), { model: "@cf/x", timeoutMs: 1000 });
    await expect(empty.complete({ messages, maxTokens: 64 })).rejects.toThrow(/has no text response/);
    const hanging = workersAiProvider(recording(() => new Promise(() => {})), { model: "@cf/x", timeoutMs: 50 });
    await expect(hanging.complete({ messages, maxTokens: 64 })).rejects.toThrow("workers-ai (@cf/x): the model did not answer within 50 ms");
  });
});
