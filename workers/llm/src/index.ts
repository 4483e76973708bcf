/** @rose-ash/llm: natural language -> validated s-expressions, as a library (the router's in-process path, tools, tests) and a Worker (worker.ts). */
export { settingsOf, type LlmEnv, type LlmSettings } from "./env.ts";
export { generate, MAX_PROMPT_CHARS, MAX_SEXP_CHARS, type Closest, type GenerateRequest, type Generator, type Outcome } from "./generate.ts";
export { ACTIVITY_JSON, creationOf, llmActor } from "./provenance.ts";
export { HOW_TO_CONFIGURE, ProviderError, providerFrom, openAiProvider, workersAiProvider, DEFAULT_WORKERS_AI_MODEL, type AiBinding, type ChatMessage, type Completion, type CompletionRequest, type Provider } from "./providers/index.ts";
export { llmService, serviceOf, type LlmParts, type LlmService, type LlmStatus } from "./service.ts";
export { mostSimilar, normalizePrompt, similarity } from "./similar.ts";
export { HAND_WRITTEN, PLAYGROUND, memoryStore, postgresStore, type Approved, type Conversation, type Generation, type GenerationStore, type InteractionKind } from "./store.ts";
export { FormWatcher, collect, sseData } from "./stream.ts";
export { siteVocabularyForModels, systemPromptFor, type Vocabulary } from "./vocabulary.ts";
export { lineDiff, type DiffLine } from "./diff.ts";
