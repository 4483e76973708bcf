/** The LLM Worker's bindings and settings (each a string, as Workers give them), with their defaults. */
import type { DatabaseEnv } from "@rose-ash/resolver";
import type { AiBinding } from "./providers/workers-ai.ts";

export interface LlmEnv extends DatabaseEnv {
  /** Workers AI (production's default provider). */
  AI?: AiBinding;
  /** `workers-ai`, `openai-compatible` or `none`; unset: LLM_BASE_URL's endpoint, else the AI binding, else none. */
  LLM_PROVIDER?: string;
  /** An OpenAI-compatible endpoint up to `/v1` (llama-server, Ollama, vLLM, a hosted API, the dev sidecar). */
  LLM_BASE_URL?: string;
  /** The model id: the endpoint's, or a Workers AI model. */
  LLM_MODEL?: string;
  /** Sent as `Authorization: Bearer` to LLM_BASE_URL. A secret in production. */
  LLM_API_KEY?: string;
  /** `gbnf`: the endpoint decodes under the catalog's GBNF grammar (llama.cpp's server, the dev sidecar). */
  LLM_GRAMMAR?: string;
  /** `false`: ask the endpoint for one JSON answer instead of a stream. */
  LLM_STREAM?: string;
  /** Times the validator's errors go back to the model before giving up (default 2). */
  LLM_REPAIR_ROUNDS?: string;
  /** How long one model call may take, in ms (default 60000). */
  LLM_TIMEOUT_MS?: string;
  /** Tokens one answer may have (default 1024). */
  LLM_MAX_TOKENS?: string;
  /** Tokens a conversation may spend in all (default 100000); past it, a new conversation. */
  LLM_CONVERSATION_TOKENS?: string;
  /** Content-addressed store for the generated s-expressions (R2; bytes keyed `ipfs/<cid>`). */
  WARM?: R2Bucket;
}

export interface LlmSettings {
  readonly repairRounds: number;
  readonly timeoutMs: number;
  readonly maxTokens: number;
  readonly conversationTokens: number;
}

export function settingsOf(env: LlmEnv): LlmSettings {
  return {
    repairRounds: whole(env.LLM_REPAIR_ROUNDS, 2, 0, 10),
    timeoutMs: whole(env.LLM_TIMEOUT_MS, 60_000, 100, 600_000),
    maxTokens: whole(env.LLM_MAX_TOKENS, 1024, 16, 32_768),
    conversationTokens: whole(env.LLM_CONVERSATION_TOKENS, 100_000, 100, 100_000_000),
  };
}

function whole(text: string | undefined, fallback: number, min: number, max: number): number {
  const n = text === undefined || text === "" ? NaN : Number(text);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}
