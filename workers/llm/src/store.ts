/**
 * Where generations, conversations and what people did with them are kept:
 * one small interface, Postgres (schema.sql's llm_* tables, through the
 * resolver's Db) in the Workers, memory in tests and tools.
 */
import type { Db, Row } from "@rose-ash/resolver";

export interface Generation {
  /** The language's hash of the s-expression (64 hex). */
  readonly hash: string;
  /** The s-expression, pretty-printed. */
  readonly sexp: string;
  /** The CID of `sexp`'s UTF-8 bytes. */
  readonly cid: string;
  readonly prompt: string;
  readonly promptHash: string;
  /** `workers-ai`, `openai-compatible`, or `playground` for one written by hand. */
  readonly provider: string;
  readonly model: string;
  readonly catalogHash: string;
  /** What was repaired on the way, in words. */
  readonly repairs: readonly string[];
  /** Model calls it took. */
  readonly rounds: number;
  readonly tokens: number;
  readonly conversation: string;
  /** The conversation's s-expression it refined, if any. */
  readonly parent: string | null;
  readonly createdAt: string;
}

export interface Conversation {
  readonly id: string;
  readonly current: string | null;
  readonly rounds: number;
  readonly tokens: number;
}

export type InteractionKind = "rendered" | "clicked" | "rated" | "refined";

/** A generation people rated well, with its prompt: a few-shot example. */
export interface Approved {
  readonly hash: string;
  readonly prompt: string;
  readonly sexp: string;
  readonly rating: number;
}

/** The prompt of an s-expression written by hand without one. */
export const HAND_WRITTEN = "(written by hand)";
/** The provider of s-expressions written by hand in the playground. */
export const PLAYGROUND = "playground";

export interface GenerationStore {
  /** The generation an identical request made. */
  cached(cacheKey: string): Promise<Generation | null>;
  get(hash: string): Promise<Generation | null>;
  /** Keep a generation (again: nothing changes) and, with a key, what finds it. */
  put(g: Generation, cacheKey: string | null): Promise<void>;
  conversation(id: string): Promise<Conversation | null>;
  /** Move a conversation (made when new) to `current` (null: where it is), adding what it spent. */
  advance(id: string, current: string | null, spent: { rounds: number; tokens: number }): Promise<void>;
  /** The conversation's generations, oldest first. */
  history(conversation: string, limit: number): Promise<Generation[]>;
  interact(hash: string, kind: InteractionKind, value: number | null, session: string | null): Promise<void>;
  /**
   * Generations a model wrote that people rated 4 or better on average (each
   * rater's last rating counted once), best first. What anyone can write by
   * hand in the playground is never an example for others.
   */
  approved(limit: number): Promise<Approved[]>;
  /** Every generation with its ratings, oldest first (for export). */
  all(): Promise<(Generation & { rating: number | null; ratings: number })[]>;
}

/** Each rater's last rating of each generation (a rater: a session, or an address). */
const LAST_RATINGS = `SELECT DISTINCT ON (hash, session_key) hash, value FROM llm_interactions WHERE kind = 'rated' ORDER BY hash, session_key, id DESC`;

const COLUMNS = "hash, sexp, cid, prompt, prompt_hash, provider, model, catalog_hash, repairs, rounds, tokens, conversation, parent, created_at";

export function postgresStore(db: Db): GenerationStore {
  const one = async (sql: string, params: unknown[]) => {
    const rows = await db.query(sql, params);
    return rows[0] ? fromRow(rows[0]) : null;
  };
  return {
    cached: (key) => one(`SELECT ${COLUMNS.replace(/(\w+)/g, "g.$1")} FROM llm_cache c JOIN llm_generations g ON g.hash = c.hash WHERE c.cache_key = $1`, [key]),
    get: (hash) => one(`SELECT ${COLUMNS} FROM llm_generations WHERE hash = $1`, [hash]),
    async put(g, cacheKey) {
      await db.query(
        `INSERT INTO llm_generations (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14) ON CONFLICT (hash) DO NOTHING`,
        [g.hash, g.sexp, g.cid, g.prompt, g.promptHash, g.provider, g.model, g.catalogHash, JSON.stringify(g.repairs), g.rounds, g.tokens, g.conversation, g.parent, g.createdAt],
      );
      if (cacheKey) await db.query("INSERT INTO llm_cache (cache_key, hash) VALUES ($1, $2) ON CONFLICT (cache_key) DO UPDATE SET hash = EXCLUDED.hash", [cacheKey, g.hash]);
    },
    async conversation(id) {
      const [row] = await db.query("SELECT id, current, rounds, tokens FROM llm_conversations WHERE id = $1", [id]);
      return row ? { id: String(row.id), current: (row.current as string | null) ?? null, rounds: Number(row.rounds), tokens: Number(row.tokens) } : null;
    },
    async advance(id, current, spent) {
      await db.query(
        `INSERT INTO llm_conversations (id, current, rounds, tokens) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET current = COALESCE(EXCLUDED.current, llm_conversations.current), rounds = llm_conversations.rounds + EXCLUDED.rounds,
           tokens = llm_conversations.tokens + EXCLUDED.tokens, updated_at = now()`,
        [id, current, spent.rounds, spent.tokens],
      );
    },
    history: async (conversation, limit) =>
      (await db.query(`SELECT ${COLUMNS} FROM llm_generations WHERE conversation = $1 ORDER BY created_at, hash LIMIT $2`, [conversation, limit])).map(fromRow),
    async interact(hash, kind, value, session) {
      await db.query("INSERT INTO llm_interactions (hash, kind, value, session_key) VALUES ($1, $2, $3, $4)", [hash, kind, value, session]);
    },
    approved: async (limit) =>
      (
        await db.query(
          `SELECT g.hash, g.prompt, g.sexp, avg(r.value)::float8 AS rating FROM llm_generations g
             JOIN (${LAST_RATINGS}) r ON r.hash = g.hash
            WHERE g.provider <> $2 GROUP BY g.hash HAVING avg(r.value) >= 4 ORDER BY rating DESC, g.created_at DESC LIMIT $1`,
          [limit, PLAYGROUND],
        )
      ).map((r) => ({ hash: String(r.hash), prompt: String(r.prompt), sexp: String(r.sexp), rating: Number(r.rating) })),
    all: async () =>
      (
        await db.query(
          `SELECT ${COLUMNS.replace(/(\w+)/g, "g.$1")}, avg(r.value)::float8 AS rating, count(r.value)::int AS ratings
             FROM llm_generations g LEFT JOIN (${LAST_RATINGS}) r ON r.hash = g.hash
            GROUP BY g.hash ORDER BY g.created_at, g.hash`,
          [],
        )
      ).map((r) => ({ ...fromRow(r), rating: r.rating === null ? null : Number(r.rating), ratings: Number(r.ratings) })),
  };
}

function fromRow(r: Row): Generation {
  const repairs = typeof r.repairs === "string" ? (JSON.parse(r.repairs) as string[]) : ((r.repairs as string[] | null) ?? []);
  return {
    hash: String(r.hash),
    sexp: String(r.sexp),
    cid: String(r.cid),
    prompt: String(r.prompt),
    promptHash: String(r.prompt_hash),
    provider: String(r.provider),
    model: String(r.model),
    catalogHash: String(r.catalog_hash),
    repairs,
    rounds: Number(r.rounds),
    tokens: Number(r.tokens),
    conversation: String(r.conversation),
    parent: (r.parent as string | null) ?? null,
    createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at),
  };
}

/** The same store in memory (tests, tools). */
export function memoryStore(): GenerationStore {
  const generations = new Map<string, Generation>();
  const cache = new Map<string, string>();
  const conversations = new Map<string, Conversation>();
  const interactions: { hash: string; kind: InteractionKind; value: number | null; session: string | null }[] = [];
  const ratingOf = (hash: string) => {
    const last = new Map<string | null, number>();
    for (const i of interactions) if (i.hash === hash && i.kind === "rated" && i.value !== null) last.set(i.session, i.value);
    const values = [...last.values()];
    return { rating: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null, ratings: values.length };
  };
  return {
    cached: async (key) => (cache.has(key) ? (generations.get(cache.get(key)!) ?? null) : null),
    get: async (hash) => generations.get(hash) ?? null,
    async put(g, key) {
      if (!generations.has(g.hash)) generations.set(g.hash, g);
      if (key) cache.set(key, g.hash);
    },
    conversation: async (id) => conversations.get(id) ?? null,
    async advance(id, current, spent) {
      const c = conversations.get(id);
      conversations.set(id, { id, current: current ?? c?.current ?? null, rounds: (c?.rounds ?? 0) + spent.rounds, tokens: (c?.tokens ?? 0) + spent.tokens });
    },
    history: async (conversation, limit) => [...generations.values()].filter((g) => g.conversation === conversation).slice(0, limit),
    async interact(hash, kind, value, session) {
      interactions.push({ hash, kind, value, session });
    },
    approved: async (limit) =>
      [...generations.values()]
        .filter((g) => g.provider !== PLAYGROUND)
        .map((g) => ({ hash: g.hash, prompt: g.prompt, sexp: g.sexp, rating: ratingOf(g.hash).rating ?? 0 }))
        .filter((a) => a.rating >= 4)
        .sort((a, b) => b.rating - a.rating)
        .slice(0, limit),
    all: async () => [...generations.values()].map((g) => ({ ...g, ...ratingOf(g.hash) })),
  };
}
