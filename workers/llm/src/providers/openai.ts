/**
 * Any OpenAI-compatible `/v1/chat/completions` endpoint: llama-server, the
 * dev sidecar for local GGUF models (dev/local-gguf), Ollama, vLLM, hosted
 * APIs. Streaming (SSE) by default, so reading can stop at the first complete
 * form; plain JSON when `stream` is off. The GBNF grammar goes in llama.cpp's
 * `grammar` field only where the server is said to take one (`grammar`).
 */
import { collect, sseData } from "../stream.ts";
import { ProviderError, providerFailure, type Completion, type CompletionRequest, type Provider } from "./provider.ts";

export interface OpenAiOptions {
  /** Up to and including `/v1`, e.g. `http://127.0.0.1:8080/v1`. */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  /** The server decodes under a GBNF `grammar` (llama.cpp's server and the dev sidecar do). */
  readonly grammar?: boolean;
  /** Ask for a stream of SSE chunks (default) or one JSON answer. */
  readonly stream?: boolean;
  readonly timeoutMs: number;
  readonly temperature?: number;
  /** The fetch to use (a service binding's, in tests a local server's); default the global one. */
  readonly fetch?: typeof fetch;
}

interface ChatChunk {
  choices?: { delta?: { content?: string | null }; message?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

export function openAiProvider(options: OpenAiOptions): Provider {
  const name = "openai-compatible";
  const url = options.baseUrl.replace(/\/+$/, "") + "/chat/completions";
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return {
    name,
    model: options.model,
    grammar: options.grammar === true,
    async complete(request: CompletionRequest): Promise<Completion> {
      const stream = options.stream !== false;
      const body: Record<string, unknown> = {
        model: options.model,
        messages: request.messages,
        max_tokens: request.maxTokens,
        temperature: options.temperature ?? 0.2,
        stream,
      };
      if (stream) body.stream_options = { include_usage: true };
      if (options.grammar && request.grammar) body.grammar = request.grammar;
      const signal = anySignal(request.signal, AbortSignal.timeout(options.timeoutMs));
      try {
        const response = await send(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json", ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
          body: JSON.stringify(body),
          signal,
        });
        if (!response.ok) throw new ProviderError(`${name} (${options.model}): HTTP ${response.status}: ${await errorText(response)}`, response.status);
        if (!stream || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
          const answer = (await response.json()) as ChatChunk;
          const text = answer.choices?.[0]?.message?.content;
          if (typeof text !== "string") throw new ProviderError(`${name} (${options.model}): the answer has no message content`);
          return { text, promptTokens: answer.usage?.prompt_tokens ?? 0, completionTokens: answer.usage?.completion_tokens ?? 0 };
        }
        const usage = { prompt: 0, completion: 0 };
        const text = await collect(deltas(response.body!, usage, options.model), { stopAtForm: request.stopAtForm, maxChars: request.maxTokens * 8 });
        return { text, promptTokens: usage.prompt, completionTokens: usage.completion || Math.ceil(text.length / 4) };
      } catch (e) {
        throw providerFailure(`${name} (${options.model})`, e, options.timeoutMs);
      }
    },
  };
}

async function* deltas(body: ReadableStream<Uint8Array>, usage: { prompt: number; completion: number }, model: string): AsyncGenerator<string> {
  for await (const data of sseData(body)) {
    if (data === "[DONE]") return;
    let chunk: ChatChunk;
    try {
      chunk = JSON.parse(data) as ChatChunk;
    } catch {
      throw new ProviderError(`openai-compatible (${model}): a stream chunk is not JSON: ${data.slice(0, 80)}`);
    }
    if (chunk.error) throw new ProviderError(`openai-compatible (${model}): ${typeof chunk.error === "string" ? chunk.error : (chunk.error.message ?? "error")}`);
    if (chunk.usage) {
      usage.prompt = chunk.usage.prompt_tokens ?? usage.prompt;
      usage.completion = chunk.usage.completion_tokens ?? usage.completion;
    }
    const piece = chunk.choices?.[0]?.delta?.content;
    if (piece) yield piece;
  }
}

/** The error an endpoint answered with, in one line. */
export async function errorText(response: Response): Promise<string> {
  const text = (await response.text().catch(() => "")).slice(0, 500);
  try {
    const json = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const e = json.error;
    return (typeof e === "string" ? e : (e?.message ?? json.message)) ?? text;
  } catch {
    return text.replace(/\s+/g, " ").trim() || response.statusText;
  }
}

export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  return given.length === 1 ? given[0]! : AbortSignal.any(given);
}
