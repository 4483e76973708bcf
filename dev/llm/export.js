#!/usr/bin/env node
// @ts-check
/**
 * `npm run llm:export [-- --out FILE] [--min-rating N]`: the LLM endpoint's
 * generations as provider-neutral chat JSONL (prompt -> s-expression), with
 * the ratings people gave them, for fine-tuning or evaluating any model. One
 * line per generation, oldest first:
 *
 *   {"messages": [{"role": "system", "content": "... catalog <hash> ..."},
 *                 {"role": "user", "content": <prompt>},
 *                 {"role": "assistant", "content": <s-expression>}],
 *    "rating": <average 1..5, or null>, "ratings": <how many>,
 *    "hash", "model", "provider", "catalog_hash", "created_at"}
 *
 * A refinement (a follow-up in a conversation) carries the turn it refined
 * before its own: user, assistant, user, assistant. Pages written by hand in
 * the playground without a prompt have nothing to learn from and are left
 * out. --min-rating N keeps those rated N or better on average (unrated ones
 * are then left out too).
 *
 * From Postgres at DATABASE_URL when set (in a read-only transaction),
 * otherwise from the dev database's folder, .data/pglite (or --pglite DIR),
 * through PGlite, from a copy (so a running `npm run dev` is left alone).
 * Default output: .data/llm-export.jsonl; `--out -` writes to stdout.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** @typedef {{ query: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }> }} Queryable */
/** @typedef {{ role: "system" | "user" | "assistant", content: string }} ChatMessage */
/**
 * @typedef {object} ExportLine
 * @property {ChatMessage[]} messages
 * @property {number | null} rating
 * @property {number} ratings
 * @property {string} hash
 * @property {string} model
 * @property {string} provider
 * @property {string} catalog_hash
 * @property {string} created_at
 */

export const DEFAULT_PGLITE = fileURLToPath(new URL("../../.data/pglite", import.meta.url));
export const DEFAULT_OUT = fileURLToPath(new URL("../../.data/llm-export.jsonl", import.meta.url));
/** What the playground stores as the prompt of a page written by hand without one. */
const NO_PROMPT = "(written by hand)";

/** The system line of an exported conversation: the catalog the model wrote against. @param {string} catalogHash */
export const systemLine = (catalogHash) =>
  `Answer with one s-expression for the Rose Ash site, using only the components, queries and primitives of catalog ${catalogHash}.`;

const SQL = `SELECT g.hash, g.sexp, g.prompt, g.provider, g.model, g.catalog_hash, g.parent, g.created_at,
                    avg(i.value)::float8 AS rating, count(i.value)::int AS ratings
               FROM llm_generations g
               LEFT JOIN llm_interactions i ON i.hash = g.hash AND i.kind = 'rated'
              GROUP BY g.hash
              ORDER BY g.created_at, g.hash`;

/**
 * The export's lines, read from a database with the llm_* tables.
 * @param {Queryable} db a pg Client or Pool, or PGlite
 * @param {{ minRating?: number | null }} [options]
 * @returns {Promise<{ lines: ExportLine[], skipped: { noPrompt: number, belowRating: number } }>}
 */
export async function exportLines(db, { minRating = null } = {}) {
  const { rows } = await db.query(SQL);
  const byHash = new Map(rows.map((r) => [String(r.hash), r]));
  /** @type {ExportLine[]} */
  const lines = [];
  const skipped = { noPrompt: 0, belowRating: 0 };
  for (const r of rows) {
    const prompt = String(r.prompt);
    if (!prompt.trim() || (r.provider === "playground" && prompt === NO_PROMPT)) {
      skipped.noPrompt++;
      continue;
    }
    const rating = r.rating === null || r.rating === undefined ? null : Number(r.rating);
    if (minRating !== null && (rating === null || rating < minRating)) {
      skipped.belowRating++;
      continue;
    }
    const catalogHash = String(r.catalog_hash);
    /** @type {ChatMessage[]} */
    const messages = [{ role: "system", content: systemLine(catalogHash) }];
    const parent = r.parent ? byHash.get(String(r.parent)) : undefined;
    if (parent) messages.push({ role: "user", content: String(parent.prompt) }, { role: "assistant", content: String(parent.sexp) });
    messages.push({ role: "user", content: prompt }, { role: "assistant", content: String(r.sexp) });
    lines.push({
      messages,
      rating: rating === null ? null : Math.round(rating * 100) / 100,
      ratings: Number(r.ratings ?? 0),
      hash: String(r.hash),
      model: String(r.model),
      provider: String(r.provider),
      catalog_hash: catalogHash,
      created_at: r.created_at instanceof Date ? r.created_at.toISOString() : new Date(String(r.created_at)).toISOString(),
    });
  }
  return { lines, skipped };
}

/** JSONL text: one JSON object a line. @param {readonly ExportLine[]} lines */
export const toJsonl = (lines) => lines.map((l) => JSON.stringify(l) + "\n").join("");

/**
 * Open the database to export from, read-only: Postgres at `databaseUrl`, or a copy of a PGlite folder.
 * @param {{ databaseUrl?: string, pglite?: string }} where
 * @returns {Promise<{ db: Queryable, description: string, close: () => Promise<void> }>}
 */
export async function openExportDatabase({ databaseUrl, pglite = DEFAULT_PGLITE }) {
  if (databaseUrl) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query("BEGIN READ ONLY");
    const url = new URL(databaseUrl);
    return {
      db: client,
      description: `Postgres at ${url.hostname}:${url.port || 5432}`,
      close: async () => {
        await client.query("ROLLBACK").catch(() => {});
        await client.end();
      },
    };
  }
  if (!existsSync(join(pglite, "PG_VERSION"))) {
    throw new Error(`no dev database at ${pglite}: run npm run dev once (it makes one), or set DATABASE_URL`);
  }
  // A copy: a running npm run dev keeps the folder open, and this only reads.
  const copy = mkdtempSync(join(tmpdir(), "rose-ash-export-"));
  try {
    cpSync(pglite, copy, { recursive: true, filter: (src) => !src.endsWith("postmaster.pid") });
    const { PGlite } = await import("@electric-sql/pglite");
    const db = await PGlite.create(copy);
    return {
      db: /** @type {Queryable} */ (/** @type {unknown} */ (db)),
      description: `PGlite (${pglite})`,
      close: async () => {
        await db.close();
        rmSync(copy, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(copy, { recursive: true, force: true });
    throw e;
  }
}

/** @param {string[]} argv */
function readOptions(argv) {
  const { values } = parseArgs({ args: argv, options: { out: { type: "string" }, "min-rating": { type: "string" }, pglite: { type: "string" } } });
  const minRating = values["min-rating"] === undefined ? null : Number(values["min-rating"]);
  if (minRating !== null && !(minRating >= 1 && minRating <= 5)) throw new Error("--min-rating is a rating from 1 to 5");
  return { out: values.out ?? DEFAULT_OUT, minRating, pglite: values.pglite ? resolve(values.pglite) : DEFAULT_PGLITE };
}

/** @param {string[]} argv */
export async function main(argv) {
  const options = readOptions(argv);
  const toStdout = options.out === "-";
  const say = (/** @type {string} */ text) => (toStdout ? process.stderr : process.stdout).write(`${text}\n`);
  const source = await openExportDatabase({ databaseUrl: process.env.DATABASE_URL || undefined, pglite: options.pglite });
  /** @type {Awaited<ReturnType<typeof exportLines>>} */
  let exported;
  try {
    const [table] = (await source.db.query("SELECT to_regclass('llm_generations') IS NOT NULL AS present")).rows;
    if (!table?.present) {
      say(`${source.description} has no llm_generations table yet: start npm run dev once (it brings the schema up to date). Nothing to export.`);
      exported = { lines: [], skipped: { noPrompt: 0, belowRating: 0 } };
    } else exported = await exportLines(source.db, { minRating: options.minRating });
  } finally {
    await source.close();
  }
  const { lines, skipped } = exported;
  if (toStdout) process.stdout.write(toJsonl(lines));
  else {
    mkdirSync(dirname(resolve(options.out)), { recursive: true });
    writeFileSync(options.out, toJsonl(lines));
  }
  const left = [
    skipped.noPrompt ? `${skipped.noPrompt} written by hand without a prompt` : "",
    skipped.belowRating ? `${skipped.belowRating} rated below ${options.minRating} or not rated` : "",
  ].filter(Boolean);
  say(`Wrote ${lines.length} line${lines.length === 1 ? "" : "s"} to ${toStdout ? "stdout" : options.out} from ${source.description}${left.length ? ` (left out: ${left.join(", ")})` : ""}.`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
