/** The provider the settings name (see env.ts): an OpenAI-compatible endpoint, Workers AI, or none. */
import type { LlmEnv } from "../env.ts";
import { openAiProvider } from "./openai.ts";
import type { Provider } from "./provider.ts";
import { workersAiProvider } from "./workers-ai.ts";

export { ProviderError, type ChatMessage, type Completion, type CompletionRequest, type Provider } from "./provider.ts";
export { openAiProvider, type OpenAiOptions } from "./openai.ts";
export { workersAiProvider, DEFAULT_WORKERS_AI_MODEL, type AiBinding } from "./workers-ai.ts";

/** What to do when no model is configured, in words a person can follow. */
export const HOW_TO_CONFIGURE =
  "No model is configured. Run a local GGUF model with LOCAL_GGUF=path/model.gguf npm run dev, or point at any OpenAI-compatible endpoint with " +
  "LLM_BASE_URL=http://127.0.0.1:8080/v1 LLM_MODEL=name npm run dev (LLM_API_KEY if it needs one); in production bind Workers AI as AI.";

/** The provider for these settings, or null when none is configured. */
export function providerFrom(env: LlmEnv, timeoutMs: number): Provider | null {
  const chosen = env.LLM_PROVIDER || (env.LLM_BASE_URL ? "openai-compatible" : env.AI ? "workers-ai" : "none");
  switch (chosen) {
    case "openai-compatible":
      if (!env.LLM_BASE_URL) throw new Error("LLM_PROVIDER is openai-compatible but LLM_BASE_URL is not set");
      return openAiProvider({
        baseUrl: env.LLM_BASE_URL,
        model: env.LLM_MODEL || "default",
        apiKey: env.LLM_API_KEY,
        grammar: env.LLM_GRAMMAR === "gbnf",
        stream: env.LLM_STREAM !== "false",
        timeoutMs,
      });
    case "workers-ai":
      if (!env.AI) throw new Error("LLM_PROVIDER is workers-ai but there is no AI binding");
      return workersAiProvider(env.AI, { model: env.LLM_MODEL, timeoutMs });
    case "none":
      return null;
    default:
      throw new Error(`LLM_PROVIDER must be workers-ai, openai-compatible or none, not ${JSON.stringify(chosen)}`);
  }
}
