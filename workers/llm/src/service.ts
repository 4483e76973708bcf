/**
 * The LLM service: what the router asks of it, one interface, run in this
 * Worker (worker.ts, over the router's LLM service binding as RPC) or
 * in-process where there is no binding (`llmService(env)`).
 */
import { bucketStore } from "@rose-ash/content";
import { databaseFromEnv } from "@rose-ash/resolver";
import { settingsOf, type LlmEnv } from "./env.ts";
import { generate, type GenerateRequest, type Outcome } from "./generate.ts";
import { HOW_TO_CONFIGURE, providerFrom, type Provider } from "./providers/index.ts";
import { postgresStore, type Generation, type GenerationStore, type InteractionKind } from "./store.ts";
import { siteVocabularyForModels, type Vocabulary } from "./vocabulary.ts";

export interface LlmStatus {
  /** `workers-ai` or `openai-compatible`; null when no model is configured. */
  readonly provider: string | null;
  readonly model: string | null;
  /** Decoding follows the catalog's grammar. */
  readonly grammar: boolean;
  /** How to configure a model, when none is. */
  readonly howTo: string | null;
  readonly catalogHash: string;
}

export interface LlmService {
  generate(request: GenerateRequest): Promise<Outcome>;
  generation(hash: string): Promise<Generation | null>;
  /** The conversation's generations, oldest first. */
  history(conversation: string): Promise<Generation[]>;
  /** Record what someone did with a generation; false when there is no such generation. */
  interact(hash: string, kind: InteractionKind, value: number | null, session: string | null): Promise<boolean>;
  catalog(): Promise<{ text: string; hash: string }>;
  grammar(): Promise<string>;
  status(): Promise<LlmStatus>;
}

export interface LlmParts {
  readonly vocabulary: () => Promise<Vocabulary>;
  readonly provider: Provider | null;
  readonly store: GenerationStore;
  readonly env: LlmEnv;
}

/** The service over its parts (tests give their own store and provider). */
export function serviceOf(parts: LlmParts): LlmService {
  const settings = settingsOf(parts.env);
  const warm = parts.env.WARM ? bucketStore(parts.env.WARM) : undefined;
  const { provider, store } = parts;
  return {
    generate: async (request) => generate({ vocabulary: await parts.vocabulary(), provider, store, settings, warm }, request),
    generation: (hash) => (/^[0-9a-f]{64}$/.test(hash) ? store.get(hash) : Promise.resolve(null)),
    history: (conversation) => store.history(conversation, 50),
    async interact(hash, kind, value, session) {
      if (!(await store.get(hash))) return false;
      await store.interact(hash, kind, value, session);
      return true;
    },
    catalog: async () => {
      const { catalog } = await parts.vocabulary();
      return { text: catalog.text, hash: catalog.hash };
    },
    grammar: async () => (await parts.vocabulary()).grammar,
    status: async () => ({
      provider: provider?.name ?? null,
      model: provider?.model ?? null,
      grammar: provider?.grammar ?? false,
      howTo: provider ? null : HOW_TO_CONFIGURE,
      catalogHash: (await parts.vocabulary()).catalog.hash,
    }),
  };
}

/** The service as the environment configures it: the site's vocabulary, its provider, Postgres. */
export function llmService(env: LlmEnv): LlmService {
  return serviceOf({ vocabulary: siteVocabularyForModels, provider: providerFrom(env, settingsOf(env).timeoutMs), store: postgresStore(databaseFromEnv(env)), env });
}
