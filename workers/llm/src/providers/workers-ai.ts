/**
 * Workers AI through the `AI` binding (production's default provider). The
 * binding's `run(model, { messages, max_tokens, stream })` answers
 * `{ response }`, or with `stream: true` a ReadableStream of SSE events
 * `data: {"response": "..."}` ending in `data: [DONE]`. It takes no grammar:
 * the stream watcher stops at the first complete form, and the validator and
 * repair carry the rest.
 */
import { collect, sseData } from "../stream.ts";
import { ProviderError, providerFailure, type Completion, type CompletionRequest, type Provider } from "./provider.ts";

/** What the provider needs of the `AI` binding. */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

/** The model unless `LLM_MODEL` names another (a Workers AI text-generation model id). */
export const DEFAULT_WORKERS_AI_MODEL = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

interface AiAnswer {
  response?: unknown;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export function workersAiProvider(ai: AiBinding, options: { model?: string; timeoutMs: number; temperature?: number }): Provider {
  const name = "workers-ai";
  const model = options.model || DEFAULT_WORKERS_AI_MODEL;
  return {
    name,
    model,
    grammar: false,
    async complete(request: CompletionRequest): Promise<Completion> {
      const inputs = { messages: request.messages, max_tokens: request.maxTokens, temperature: options.temperature ?? 0.2, stream: true };
      try {
        const answer = await withTimeout(ai.run(model, inputs), options.timeoutMs, request.signal);
        if (answer instanceof ReadableStream) {
          const usage = { prompt: 0, completion: 0 };
          const text = await withTimeout(collect(pieces(answer as ReadableStream<Uint8Array>, usage), { stopAtForm: request.stopAtForm, maxChars: request.maxTokens * 8 }), options.timeoutMs, request.signal);
          return { text, promptTokens: usage.prompt, completionTokens: usage.completion || Math.ceil(text.length / 4) };
        }
        const { response, usage } = (answer ?? {}) as AiAnswer;
        if (typeof response !== "string") throw new ProviderError(`${name} (${model}): the answer has no text response`);
        return { text: response, promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 };
      } catch (e) {
        throw providerFailure(`${name} (${model})`, e, options.timeoutMs);
      }
    },
  };
}

async function* pieces(stream: ReadableStream<Uint8Array>, usage: { prompt: number; completion: number }): AsyncGenerator<string> {
  for await (const data of sseData(stream)) {
    if (data === "[DONE]") return;
    let event: AiAnswer;
    try {
      event = JSON.parse(data) as AiAnswer;
    } catch {
      continue;
    }
    if (event.usage) {
      usage.prompt = event.usage.prompt_tokens ?? usage.prompt;
      usage.completion = event.usage.completion_tokens ?? usage.completion;
    }
    if (typeof event.response === "string" && event.response) yield event.response;
  }
}

/** The binding takes no signal: a deadline of our own. */
function withTimeout<T>(work: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { name: "TimeoutError" })), ms);
    signal?.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })), { once: true });
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
