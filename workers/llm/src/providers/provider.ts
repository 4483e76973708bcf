/**
 * A model behind one interface: chat messages in, text out. Each adapter
 * (workers-ai.ts, openai.ts) says which model it is and whether it can decode
 * under a GBNF grammar; one without a grammar is carried by the stream
 * watcher, the validator and repair (generate.ts). A provider never invents
 * an answer: it reaches a model or fails with a ProviderError.
 */

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

export interface CompletionRequest {
  readonly messages: readonly ChatMessage[];
  /** A GBNF grammar the decoding must follow, for providers that take one (`grammar` is true). */
  readonly grammar?: string;
  readonly maxTokens: number;
  /** Stop reading as soon as the text holds a complete s-expression (saves tokens; see stream.ts). */
  readonly stopAtForm?: boolean;
  readonly signal?: AbortSignal;
}

export interface Completion {
  readonly text: string;
  /** Tokens the model read and wrote, as it reported them (0 where it reports none). */
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface Provider {
  /** `workers-ai`, `openai-compatible`, or `none`. */
  readonly name: string;
  /** The model id as configured. */
  readonly model: string;
  /** Whether requests carry the grammar (and decoding follows it). */
  readonly grammar: boolean;
  complete(request: CompletionRequest): Promise<Completion>;
}

/** The model could not be reached, failed, or took too long: a 502 with this message, never a stack trace. */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
  constructor(
    message: string,
    /** The provider's HTTP status, when it answered. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

/** A failure of a provider call as a ProviderError: timeouts and network failures said plainly. */
export function providerFailure(provider: string, e: unknown, timeoutMs: number): ProviderError {
  if (e instanceof ProviderError) return e;
  const name = (e as { name?: string } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") return new ProviderError(`${provider}: the model did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`);
  return new ProviderError(`${provider}: ${e instanceof Error ? e.message : String(e)}`);
}
