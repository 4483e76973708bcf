/**
 * `npm run llm:export` (dev/llm/export.js): generations and their ratings,
 * from schema.sql's llm_* tables, as provider-neutral chat JSONL. One PGlite
 * database in a folder, the schema part of schema.sql applied: read in
 * process, then by the command as the dev database's folder would be.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportLines, main, systemLine, toJsonl } from "../dev/llm/export.js";

// The schema part of schema.sql: what comes before its seed marker line (as test/schema.test.ts reads it).
const sql = readFileSync(fileURLToPath(new URL("../schema.sql", import.meta.url)), "utf8");
const schemaOnly = sql.slice(0, sql.indexOf("\n-- seed: development data\n") + 1);
const CATALOG = "c".repeat(64);
const CARDS = '(div :class "grid"\n  (map (fn (p) (~product-card :product p))\n    (take 3 (query market products :category "bakery" :sort "price-asc"))))';
const IN_STOCK = '(div :class "grid"\n  (map (fn (p) (~product-card :product p))\n    (take 3 (filter (fn (p) (> (:stock p) 0)) (query market products :category "bakery" :sort "price-asc")))))';
const [A, B, C, D] = ["a", "b", "d", "e"].map((c) => c.repeat(64)) as [string, string, string, string];

describe("npm run llm:export", () => {
  let dir: string;
  let db: PGlite;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "llm-export-test-"));
    db = await PGlite.create(join(dir, "pglite"));
    await db.exec(schemaOnly);
    const generation = (hash: string, prompt: string, sexp: string, provider: string, model: string, at: string, parent: string | null = null) =>
      db.query(
        `INSERT INTO llm_generations (hash, sexp, cid, prompt, prompt_hash, provider, model, catalog_hash, repairs, rounds, tokens, conversation, parent, created_at)
         VALUES ($1, $2, 'bafkreiexample', $3, 'p', $4, $5, $6, '[]', 1, 120, 'conversation-0000000001', $7, $8)`,
        [hash, sexp, prompt, provider, model, CATALOG, parent, at],
      );
    await generation(A, "The three cheapest products in the bakery as cards", CARDS, "openai-compatible", "qwen2.5-coder-1.5b", "2026-12-01T10:00:00Z");
    await generation(B, "Now only the ones in stock", IN_STOCK, "openai-compatible", "qwen2.5-coder-1.5b", "2026-12-01T10:01:00Z", A);
    await generation(C, "(written by hand)", '(p "hello")', "playground", "hand-written", "2026-12-01T10:02:00Z");
    await generation(D, "A list of the next events", '(ul (map (fn (e) (~event-item :event e)) (query events upcoming :from "2026-12-01T00:00:00Z")))', "workers-ai", "@cf/meta/llama-3.3-70b-instruct-fp8-fast", "2026-12-01T10:03:00Z");
    const interaction = (hash: string, kind: string, value: number | null) => db.query("INSERT INTO llm_interactions (hash, kind, value, session_key) VALUES ($1, $2, $3, 's')", [hash, kind, value]);
    await interaction(A, "rated", 5);
    await interaction(A, "rated", 4);
    await interaction(A, "rendered", null);
    await interaction(A, "clicked", null);
    await interaction(B, "rated", 2);
    await interaction(C, "rated", 5);
    await interaction(D, "rendered", null);
  }, 60_000);
  afterAll(async () => {
    if (!db.closed) await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes one chat per generation, oldest first, with its ratings and provenance", async () => {
    const { lines, skipped } = await exportLines(db);
    expect(skipped).toEqual({ noPrompt: 1, belowRating: 0 });
    expect(lines.map((l) => l.hash)).toEqual([A, B, D]);
    expect(lines[0]).toEqual({
      messages: [
        { role: "system", content: systemLine(CATALOG) },
        { role: "user", content: "The three cheapest products in the bakery as cards" },
        { role: "assistant", content: CARDS },
      ],
      rating: 4.5,
      ratings: 2,
      hash: A,
      model: "qwen2.5-coder-1.5b",
      provider: "openai-compatible",
      catalog_hash: CATALOG,
      created_at: "2026-12-01T10:00:00.000Z",
    });
    expect(systemLine(CATALOG)).toContain(CATALOG);
    expect(lines[2]).toMatchObject({ rating: null, ratings: 0, provider: "workers-ai", messages: [{ role: "system" }, { role: "user", content: "A list of the next events" }, { role: "assistant" }] });
  });

  it("gives a refinement the turn it refined first", async () => {
    const { lines } = await exportLines(db);
    expect(lines[1]!.messages.map((m) => [m.role, m.content])).toEqual([
      ["system", systemLine(CATALOG)],
      ["user", "The three cheapest products in the bakery as cards"],
      ["assistant", CARDS],
      ["user", "Now only the ones in stock"],
      ["assistant", IN_STOCK],
    ]);
    expect(lines[1]).toMatchObject({ rating: 2, ratings: 1 });
  });

  it("keeps only generations rated well enough with a minimum rating", async () => {
    const { lines, skipped } = await exportLines(db, { minRating: 4 });
    expect(lines.map((l) => l.hash)).toEqual([A]);
    expect(skipped).toEqual({ noPrompt: 1, belowRating: 2 });
  });

  it("is JSONL: one JSON object a line", async () => {
    const { lines } = await exportLines(db);
    const text = toJsonl(lines);
    expect(text.endsWith("\n")).toBe(true);
    expect(text.trimEnd().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual(lines);
    expect(toJsonl([])).toBe("");
  });

  /** Run the command, with what it prints. */
  const command = async (argv: string[], env: Record<string, string | undefined>) => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const said: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (said.push(String(chunk)), true)) as typeof process.stdout.write;
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    try {
      await main(argv);
    } finally {
      process.stdout.write = write;
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    return said.join("");
  };

  it("reads Postgres at DATABASE_URL, in a read-only transaction", async () => {
    // PGlite behind the Postgres wire protocol: the pg driver, as with any Postgres.
    const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" });
    await server.start();
    const out = join(dir, "postgres.jsonl");
    try {
      const said = await command(["--out", out], { DATABASE_URL: `postgres://postgres@${server.getServerConn()}/postgres` });
      expect(said).toMatch(/^Wrote 3 lines to .*postgres\.jsonl from Postgres at 127\.0\.0\.1:\d+ \(left out: 1 written by hand without a prompt\)\.\n$/);
    } finally {
      await server.stop();
    }
    expect(readFileSync(out, "utf8")).toBe(toJsonl((await exportLines(db)).lines));
  });

  it("reads the dev database's folder from a copy, and says how many lines it wrote", async () => {
    await db.close();
    const out = join(dir, "out", "export.jsonl");
    const said = await command(["--pglite", join(dir, "pglite"), "--out", out, "--min-rating", "2"], { DATABASE_URL: undefined });
    const written = readFileSync(out, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { hash: string });
    expect(written.map((l) => l.hash)).toEqual([A, B]);
    expect(said).toMatch(/^Wrote 2 lines to .*export\.jsonl from PGlite \(.*\) \(left out: 1 written by hand without a prompt, 1 rated below 2 or not rated\)\.\n$/);
    await expect(command(["--pglite", join(dir, "nothing-here")], { DATABASE_URL: undefined })).rejects.toThrow(/no dev database at .*nothing-here/);
  });
});
