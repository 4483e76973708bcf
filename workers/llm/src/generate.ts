/**
 * Natural language in, one validated s-expression out:
 *
 *   cache     an identical request (catalog, provider and model, normalized
 *             prompt, the conversation's state) is answered from the store;
 *   prompt    the system prompt (by catalog hash), few-shot examples people
 *             rated well and alike to this prompt, and the conversation's
 *             current s-expression when refining it;
 *   model     the provider, under the catalog's grammar where it takes one;
 *   extract   the s-expression out of the reply (fences, prose, quotes);
 *   repair    deterministic fixes first, then the validator's positioned
 *             errors back to the model, up to the repair rounds;
 *   validate  the checker's untrusted policy, query names and parameter types;
 *   store     by its hash, its CID, its provenance, the conversation moved.
 *
 * Nothing the model writes leaves here unvalidated, and nothing here
 * pretends to be a model: without a provider, the closest approved earlier
 * generation is offered, labelled as such.
 */
import { contentHash, extractSexp, pretty, refinePrompt, repairPrompt, repairSexp, sha3Hex, validateGenerated, type Node, type Positioned } from "@rose-ash/sexp";
import { cidOf, type WarmSink } from "@rose-ash/content";
import type { LlmSettings } from "./env.ts";
import { HOW_TO_CONFIGURE, ProviderError, type ChatMessage, type Provider } from "./providers/index.ts";
import { mostSimilar, normalizePrompt } from "./similar.ts";
import { HAND_WRITTEN, PLAYGROUND as PLAYGROUND_PROVIDER, type Generation, type GenerationStore } from "./store.ts";
import type { Vocabulary } from "./vocabulary.ts";

export interface GenerateRequest {
  /** What the person asked for. */
  readonly prompt?: string;
  /** An s-expression written or edited by hand (the playground): validated and kept as it is. */
  readonly sexp?: string;
  /** The conversation to continue; absent: a new one. */
  readonly conversation?: string;
  /** Who asked (a session key), for the interactions kept. */
  readonly session?: string | null;
}

/** The closest approved earlier generation, offered (labelled) when no model is configured. */
export interface Closest {
  readonly hash: string;
  readonly prompt: string;
  readonly sexp: string;
  readonly similarity: number;
}

export type Outcome =
  | {
      readonly kind: "ok";
      /** The generation, as first kept (content-addressed: the same s-expression made again is the same record). */
      readonly generation: Generation;
      /** Who wrote it this time: the provider and model asked, or the first maker when answered from the cache. */
      readonly provider: string;
      readonly model: string;
      readonly cached: boolean;
      readonly conversation: string;
      /** The conversation's s-expression before this one (the diff is against it). */
      readonly previous: string | null;
      readonly warnings: readonly Positioned[];
    }
  /** No valid s-expression within the repair rounds (422). */
  | { readonly kind: "invalid"; readonly error: string; readonly errors: readonly Positioned[]; readonly sexp: string | null; readonly conversation: string; readonly repairs: readonly string[] }
  /** The request itself is wrong (400). */
  | { readonly kind: "bad-request"; readonly error: string }
  /** No model is configured (503): how to configure one, and the closest approved generation. */
  | { readonly kind: "no-model"; readonly error: string; readonly closest: Closest | null; readonly conversation: string }
  /** The provider failed or timed out (502). */
  | { readonly kind: "provider"; readonly error: string; readonly conversation: string }
  /** The conversation spent its budget (429). */
  | { readonly kind: "budget"; readonly error: string; readonly conversation: string };

export interface Generator {
  readonly vocabulary: Vocabulary;
  readonly provider: Provider | null;
  readonly store: GenerationStore;
  readonly settings: LlmSettings;
  /** Where the s-expressions' bytes go by CID (the warm tier), if anywhere. */
  readonly warm?: WarmSink;
}

/** Who wrote an s-expression written by hand. */
const PLAYGROUND = { provider: PLAYGROUND_PROVIDER, model: "hand-written" } as const;

/** Longest prompt taken, in characters. */
export const MAX_PROMPT_CHARS = 4000;
/** Longest hand-written s-expression taken, in characters. */
export const MAX_SEXP_CHARS = 64 * 1024;
const utf8 = new TextEncoder();

export async function generate(g: Generator, request: GenerateRequest): Promise<Outcome> {
  const prompt = request.prompt?.trim() ?? "";
  const hand = request.sexp?.trim() ?? "";
  if (!prompt && !hand) return { kind: "bad-request", error: "say what to make: a prompt (or an s-expression to render)" };
  if (prompt.length > MAX_PROMPT_CHARS) return { kind: "bad-request", error: `the prompt is ${prompt.length} characters; at most ${MAX_PROMPT_CHARS}` };
  if (hand.length > MAX_SEXP_CHARS) return { kind: "bad-request", error: `the s-expression is ${hand.length} characters; at most ${MAX_SEXP_CHARS}` };
  if (request.conversation !== undefined && !/^[A-Za-z0-9_-]{16,64}$/.test(request.conversation)) return { kind: "bad-request", error: "conversation: an id as this endpoint gave it (16 to 64 letters, digits, - or _)" };
  const id = request.conversation ?? newConversationId();
  const conversation = await g.store.conversation(id);
  const current = conversation?.current ? await g.store.get(conversation.current) : null;
  if (hand) return handWritten(g, hand, prompt, id, current);

  const { catalog } = g.vocabulary;
  const normalized = normalizePrompt(prompt);
  if (!g.provider) {
    const [best] = mostSimilar(prompt, await g.store.approved(200).catch(() => []), 1);
    return { kind: "no-model", error: HOW_TO_CONFIGURE, closest: best ? { hash: best.hash, prompt: best.prompt, sexp: best.sexp, similarity: round2(best.similarity) } : null, conversation: id };
  }
  const cacheKey = sha3Hex(JSON.stringify(["llm-cache/1", catalog.hash, `${g.provider.name}/${g.provider.model}`, normalized, current?.hash ?? ""]));
  const hit = await g.store.cached(cacheKey);
  if (hit) {
    const validated = validate(g.vocabulary, hit.sexp);
    if (validated.form) {
      if (hit.hash !== current?.hash) await moveConversation(g, id, hit, current, { rounds: 0, tokens: 0 });
      return { kind: "ok", generation: hit, provider: hit.provider, model: hit.model, cached: true, conversation: id, previous: current?.sexp ?? null, warnings: validated.warnings };
    }
    // The vocabulary changed under it (a catalog of the same hash should not): make it again.
  }
  if ((conversation?.tokens ?? 0) >= g.settings.conversationTokens) {
    return { kind: "budget", error: `this conversation has used its ${g.settings.conversationTokens} tokens: start a new one`, conversation: id };
  }

  const examples = mostSimilar(prompt, await g.store.approved(200).catch(() => []), 3);
  const messages: ChatMessage[] = [
    { role: "system", content: g.vocabulary.system },
    ...examples.flatMap((e): ChatMessage[] => [
      { role: "user", content: e.prompt },
      { role: "assistant", content: e.sexp },
    ]),
    { role: "user", content: current ? refinePrompt(current.sexp, prompt) : prompt },
  ];
  const repairs: string[] = [];
  let tokens = 0;
  let last: { sexp: string | null; problems: readonly Positioned[] } = { sexp: null, problems: [] };
  for (let round = 0; round <= g.settings.repairRounds; round++) {
    let reply: string;
    try {
      const c = await g.provider.complete({ messages, grammar: g.vocabulary.grammar, maxTokens: g.settings.maxTokens, stopAtForm: true });
      tokens += c.promptTokens + c.completionTokens;
      reply = c.text;
    } catch (e) {
      if (tokens) await g.store.advance(id, current?.hash ?? null, { rounds: round, tokens }).catch(() => {});
      return { kind: "provider", error: e instanceof ProviderError ? e.message : `the model failed: ${e instanceof Error ? e.message : String(e)}`, conversation: id };
    }
    const attempt = readReply(g.vocabulary, reply);
    repairs.push(...attempt.fixes.map((f) => (round ? `round ${round + 1}: ${f}` : f)));
    last = { sexp: attempt.sexp, problems: attempt.problems };
    if (attempt.form) {
      const generation = await keep(g, attempt.form, { prompt, provider: g.provider.name, model: g.provider.model, repairs, rounds: round + 1, tokens, conversation: id, parent: current?.hash ?? null }, cacheKey);
      await moveConversation(g, id, generation, current, { rounds: round + 1, tokens });
      return { kind: "ok", generation, provider: g.provider.name, model: g.provider.model, cached: false, conversation: id, previous: current?.sexp ?? null, warnings: attempt.warnings };
    }
    if (round < g.settings.repairRounds) {
      repairs.push(`round ${round + 1}: ${attempt.problems.length} problem${attempt.problems.length === 1 ? "" : "s"} sent back to the model (${attempt.problems[0]!.message})`);
      messages.push({ role: "assistant", content: reply }, { role: "user", content: repairPrompt(attempt.sexp ?? reply, attempt.problems) });
    }
  }
  if (current || conversation) await g.store.advance(id, current?.hash ?? null, { rounds: g.settings.repairRounds + 1, tokens }).catch(() => {});
  return {
    kind: "invalid",
    error: `no valid s-expression after ${g.settings.repairRounds + 1} tr${g.settings.repairRounds ? "ies" : "y"}`,
    errors: last.problems,
    sexp: last.sexp,
    conversation: id,
    repairs,
  };
}

/** One reply read: extracted, repaired where that is certain, validated. */
function readReply(v: Vocabulary, reply: string): { form: Node | null; sexp: string | null; fixes: string[]; problems: readonly Positioned[]; warnings: readonly Positioned[] } {
  const extracted = extractSexp(reply);
  if (!extracted) return { form: null, sexp: null, fixes: [], problems: [{ line: 1, col: 1, message: "the answer holds no s-expression: answer with one form, like (div ...)" }], warnings: [] };
  const repaired = repairSexp(extracted.text);
  const checked = validate(v, repaired.text);
  return { form: checked.form, sexp: repaired.text, fixes: [...extracted.fixes, ...repaired.repairs], problems: checked.problems, warnings: checked.warnings };
}

function validate(v: Vocabulary, text: string): { form: Node | null; problems: readonly Positioned[]; warnings: readonly Positioned[] } {
  const result = validateGenerated(text, { registry: v.registry, env: v.env, catalog: v.catalog });
  const form = result.problems.length === 0 && result.forms.length === 1 ? result.forms[0]! : null;
  return { form, problems: result.problems, warnings: result.warnings };
}

/** A hand-written (or hand-edited) s-expression: validated as the model's would be, kept without asking any model. */
async function handWritten(g: Generator, text: string, prompt: string, id: string, current: Generation | null): Promise<Outcome> {
  const checked = validate(g.vocabulary, text);
  if (!checked.form) return { kind: "invalid", error: "the s-expression is not valid here", errors: checked.problems, sexp: text, conversation: id, repairs: [] };
  const generation = await keep(g, checked.form, { prompt: prompt || HAND_WRITTEN, ...PLAYGROUND, repairs: [], rounds: 0, tokens: 0, conversation: id, parent: current?.hash ?? null }, null);
  await moveConversation(g, id, generation, current, { rounds: 0, tokens: 0 });
  return { kind: "ok", generation, provider: PLAYGROUND.provider, model: PLAYGROUND.model, cached: false, conversation: id, previous: current?.sexp ?? null, warnings: checked.warnings };
}

type Made = Pick<Generation, "prompt" | "provider" | "model" | "repairs" | "rounds" | "tokens" | "conversation" | "parent">;

/** Store a valid form by its hash: pretty-printed, its bytes by CID in the warm tier, with its provenance. */
async function keep(g: Generator, form: Node, made: Made, cacheKey: string | null): Promise<Generation> {
  const sexp = pretty(form);
  const bytes = utf8.encode(sexp);
  const cid = (await cidOf(bytes)).toString();
  const hash = contentHash(form);
  const existing = await g.store.get(hash);
  const generation: Generation = existing ?? {
    hash,
    sexp,
    cid,
    ...made,
    promptHash: sha3Hex(normalizePrompt(made.prompt)),
    catalogHash: g.vocabulary.catalog.hash,
    createdAt: new Date().toISOString(),
  };
  await g.warm?.put(cid, bytes);
  await g.store.put(generation, cacheKey);
  return generation;
}

async function moveConversation(g: Generator, id: string, to: Generation, from: Generation | null, spent: { rounds: number; tokens: number }): Promise<void> {
  await g.store.advance(id, to.hash, spent);
  // The s-expression it replaced was refined away.
  if (from && from.hash !== to.hash) await g.store.interact(from.hash, "refined", null, null).catch(() => {});
}

function newConversationId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
