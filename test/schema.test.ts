import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// schema.sql = schema DDL, then a marker line, then development seed data.
// Production applies only the part before the marker.
const SEED_MARKER = "-- seed: development data";
const schemaPath = fileURLToPath(new URL("../schema.sql", import.meta.url));
const fullSql = readFileSync(schemaPath, "utf8");
const markerLines = fullSql.split("\n").filter((l) => l.trim() === SEED_MARKER);
const markerAt = fullSql.indexOf(`\n${SEED_MARKER}\n`);
const schemaOnlySql = fullSql.slice(0, markerAt + 1);

const SLUG = /^[a-z0-9-]+$/;

async function count(db: PGlite, sql: string): Promise<number> {
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) q`);
  return r.rows[0]!.n;
}

// Runs `sql`, expects it to fail, and returns the Postgres error (code 23514 =
// check_violation). Runs in a rolled-back transaction so state is unchanged.
async function rejected(db: PGlite, sql: string): Promise<{ code?: string; message: string }> {
  try {
    await db.transaction(async (tx) => {
      await tx.query(sql);
    });
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error(`expected statement to be rejected: ${sql}`);
}

describe("schema.sql", () => {
  let db: PGlite;
  // What the schema part alone produced on the (then empty) database.
  let tablesAfterSchemaOnly: string[] = [];
  let productsAfterSchemaOnly = -1;

  // One PGlite instance (start-up costs ~2 s): apply the schema part to the
  // empty database, re-apply it, then apply the whole file (schema + seed).
  beforeAll(async () => {
    db = new PGlite();
    await db.exec(schemaOnlySql);
    await db.exec(schemaOnlySql); // idempotent
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' ORDER BY table_name`,
    );
    tablesAfterSchemaOnly = tables.rows.map((r) => r.table_name);
    productsAfterSchemaOnly = await count(db, "SELECT 1 FROM products");
    await db.exec(fullSql);
  });

  afterAll(async () => {
    await db.close();
  });

  it("has exactly one seed marker line, after the DDL", () => {
    expect(markerLines).toHaveLength(1);
    expect(markerAt).toBeGreaterThan(0);
    expect(schemaOnlySql).toMatch(/CREATE TABLE IF NOT EXISTS cart_items/);
    expect(schemaOnlySql).not.toMatch(/^INSERT\b/im); // no data: inserts only inside functions
  });

  it("applies the schema part alone to an empty database, twice", () => {
    expect(tablesAfterSchemaOnly).toEqual([
      "cart_items", "carts", "categories", "events", "fed_activities", "fed_components", "fed_documents", "fed_followers", "fed_following", "fed_keys", "llm_cache", "llm_conversations", "llm_generations", "llm_interactions", "order_items", "orders", "posts", "products", "user_sessions", "users",
    ]);
    expect(productsAfterSchemaOnly).toBe(0);
  });

  it("re-applying the whole file leaves the seed unchanged", async () => {
    await db.exec(fullSql);
    expect(await count(db, "SELECT 1 FROM products")).toBe(50);
    expect(await count(db, "SELECT 1 FROM posts")).toBe(24);
  });

  it("seeds the expected row counts", async () => {
    expect(await count(db, "SELECT 1 FROM users")).toBeGreaterThanOrEqual(4);
    expect(await count(db, "SELECT 1 FROM posts")).toBeGreaterThanOrEqual(24);
    expect(await count(db, "SELECT 1 FROM posts WHERE published")).toBeGreaterThanOrEqual(20);
    expect(await count(db, "SELECT 1 FROM categories")).toBeGreaterThanOrEqual(6);
    expect(await count(db, "SELECT 1 FROM products")).toBe(50);
    expect(await count(db, "SELECT 1 FROM events")).toBe(15);
    expect(await count(db, "SELECT 1 FROM carts")).toBe(2);
    expect(await count(db, "SELECT 1 FROM cart_items")).toBeGreaterThan(0);
  });

  it("gives every product an existing category, and spreads them across categories", async () => {
    expect(
      await count(
        db,
        `SELECT 1 FROM products p LEFT JOIN categories c ON c.id = p.category_id
         WHERE c.id IS NULL`,
      ),
    ).toBe(0);
    const perCategory = await db.query<{ slug: string; n: number }>(
      `SELECT c.slug, count(p.id)::int AS n FROM categories c
       LEFT JOIN products p ON p.category_id = c.id GROUP BY c.slug`,
    );
    expect(perCategory.rows.length).toBeGreaterThanOrEqual(6);
    for (const row of perCategory.rows) expect(row.n, row.slug).toBeGreaterThan(0);
  });

  it("has unique, URL-safe slugs everywhere", async () => {
    for (const table of ["posts", "categories", "products", "events"]) {
      const r = await db.query<{ slug: string }>(`SELECT slug FROM ${table}`);
      const slugs = r.rows.map((row) => row.slug);
      expect(slugs.length, table).toBeGreaterThan(0);
      expect(new Set(slugs).size, table).toBe(slugs.length);
      for (const slug of slugs) expect(slug, `${table}.slug`).toMatch(SLUG);
    }
  });

  it("has varied stock, sale and new products with sane prices", async () => {
    expect(await count(db, "SELECT 1 FROM products WHERE stock = 0")).toBeGreaterThanOrEqual(5);
    expect(await count(db, "SELECT 1 FROM products WHERE on_sale")).toBeGreaterThanOrEqual(5);
    expect(await count(db, "SELECT 1 FROM products WHERE is_new")).toBeGreaterThanOrEqual(5);
    expect(
      await count(
        db,
        `SELECT 1 FROM products WHERE on_sale
         AND (sale_price_pence IS NULL OR sale_price_pence >= price_pence)`,
      ),
    ).toBe(0);
    const prices = await db.query<{ lo: number; hi: number; distinct_prices: number }>(
      `SELECT min(price_pence) AS lo, max(price_pence) AS hi,
              count(DISTINCT price_pence)::int AS distinct_prices FROM products`,
    );
    const { lo, hi, distinct_prices } = prices.rows[0]!;
    expect(lo).toBeLessThan(200);
    expect(hi).toBeGreaterThan(3000);
    expect(distinct_prices).toBeGreaterThan(30);
  });

  it("has published posts with dates and real paragraph bodies", async () => {
    const r = await db.query<{ title: string; body_html: string; published: boolean; published_at: Date | null }>(
      "SELECT title, body_html, published, published_at FROM posts",
    );
    for (const post of r.rows) {
      const paragraphs = post.body_html.match(/<p>[\s\S]*?<\/p>/g) ?? [];
      expect(paragraphs.length, post.title).toBeGreaterThanOrEqual(2);
      expect(paragraphs.length, post.title).toBeLessThanOrEqual(4);
      if (post.published) expect(post.published_at, post.title).toBeInstanceOf(Date);
    }
    // text that exercises escaping in the templates
    expect(r.rows.some((p) => p.title.includes("&"))).toBe(true);
    expect(r.rows.some((p) => p.title.includes('"'))).toBe(true);
    expect(r.rows.some((p) => p.title.includes("'"))).toBe(true);
    expect(r.rows.some((p) => p.body_html.includes("&amp;"))).toBe(true);
    // the blog index query uses the published-date order
    const newest = await db.query<{ slug: string }>(
      "SELECT slug FROM posts WHERE published ORDER BY published_at DESC LIMIT 1",
    );
    expect(newest.rows[0]!.slug).toBe("christmas-opening-hours-2026");
  });

  it("has 15 events on fixed future dates in order", async () => {
    const r = await db.query<{ starts_at: Date; ends_at: Date | null }>(
      "SELECT starts_at, ends_at FROM events ORDER BY starts_at",
    );
    expect(r.rows).toHaveLength(15);
    const first = r.rows[0]!.starts_at;
    const last = r.rows[r.rows.length - 1]!.starts_at;
    expect(first.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-01-01T00:00:00Z"));
    expect(last.getTime()).toBeLessThan(Date.parse("2028-01-01T00:00:00Z"));
    // spread over several months
    const months = new Set(r.rows.map((e) => e.starts_at.toISOString().slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(8);
    for (const e of r.rows) {
      if (e.ends_at) expect(e.ends_at.getTime()).toBeGreaterThanOrEqual(e.starts_at.getTime());
    }
  });

  it("has carts whose items all reference existing rows", async () => {
    expect(
      await count(
        db,
        `SELECT 1 FROM cart_items ci
         LEFT JOIN carts c ON c.id = ci.cart_id
         LEFT JOIN products p ON p.id = ci.product_id
         WHERE c.id IS NULL OR p.id IS NULL`,
      ),
    ).toBe(0);
    expect(
      await count(
        db,
        `SELECT 1 FROM carts c LEFT JOIN users u ON u.id = c.user_id
         WHERE c.user_id IS NOT NULL AND u.id IS NULL`,
      ),
    ).toBe(0);
    // both carts have items; one belongs to a user, one to an anonymous session
    expect(await count(db, "SELECT DISTINCT cart_id FROM cart_items")).toBe(2);
    expect(await count(db, "SELECT 1 FROM carts WHERE user_id IS NOT NULL")).toBe(1);
    expect(await count(db, "SELECT 1 FROM carts WHERE user_id IS NULL AND session_key IS NOT NULL")).toBe(1);
  });

  it("rejects a negative price, negative stock and a zero quantity", async () => {
    const negPrice = await rejected(
      db,
      `INSERT INTO products (slug, name, category_id, price_pence, stock)
       VALUES ('bad-price', 'Bad', 1, -1, 1)`,
    );
    expect(negPrice.code).toBe("23514");
    const negStock = await rejected(db, "UPDATE products SET stock = -1 WHERE id = 1");
    expect(negStock.code).toBe("23514");
    const zeroQty = await rejected(
      db,
      "INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (1, 1, 0)",
    );
    expect(zeroQty.code).toBe("23514");
    const badSlug = await rejected(
      db,
      `INSERT INTO products (slug, name, category_id, price_pence, stock)
       VALUES ('Not A Slug', 'Bad', 1, 100, 1)`,
    );
    expect(badSlug.code).toBe("23514");
    const dangling = await rejected(
      db,
      "INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (1, 9999, 1)",
    );
    expect(dangling.code).toBe("23503"); // foreign_key_violation
    // nothing slipped through
    expect(await count(db, "SELECT 1 FROM products WHERE price_pence < 0 OR stock < 0")).toBe(0);
  });

  it("continues identity ids after the seeded ones", async () => {
    await db.transaction(async (tx) => {
      const r = await tx.query<{ id: number }>(
        `INSERT INTO products (slug, name, category_id, price_pence, stock)
         VALUES ('new-thing', 'New thing', 1, 100, 1) RETURNING id`,
      );
      // sequences are not transactional, so earlier rejected inserts may have
      // consumed values; what matters is no collision with the seeded ids
      expect(r.rows[0]!.id).toBeGreaterThan(50);
      await tx.rollback();
    });
  });
});

describe("schema.sql on a database made by its previous version", () => {
  let db: PGlite;

  // The previous version had no users.handle (handles were emails' local
  // parts) and no 'failed' outcome: made here by taking those away from the
  // whole file applied, with users of its time added (colliding local parts,
  // 'site', characters a handle cannot have, a long one); then the schema
  // part applied as `npm run dev` applies it to a kept database, twice.
  beforeAll(async () => {
    db = new PGlite();
    await db.exec(fullSql);
    await db.exec(`
      ALTER TABLE users DROP COLUMN handle;
      ALTER TABLE fed_activities DROP CONSTRAINT fed_activities_outcome_check;
      ALTER TABLE fed_activities ADD CONSTRAINT fed_activities_outcome_check CHECK (outcome IN ('accepted', 'refused', 'pending'));
      INSERT INTO fed_activities (id, type, actor, outcome) VALUES ('https://m.example/1', 'Follow', 'https://m.example/users/ann', 'accepted');
      INSERT INTO users (id, email, name) VALUES
        (100, 'hannah_102@elsewhere.example', 'Early'),
        (101, 'site@elsewhere.example', 'Site'),
        (102, 'hannah@elsewhere.example', 'Other Hannah'),
        (103, 'mary.jane+news@example.org', 'Mary Jane'),
        (104, '${"a".repeat(40)}@one.example', 'Long One'),
        (105, '${"a".repeat(40)}@two.example', 'Long Two'),
        (106, 'josé@example.org', 'José');
    `);
    const old = await rejected(db, "INSERT INTO fed_activities (id, type, actor, outcome) VALUES ('x', 'Like', 'y', 'failed')");
    expect(old.code).toBe("23514");
    await db.exec(schemaOnlySql);
    await db.exec(schemaOnlySql);
  });

  afterAll(async () => {
    await db.close();
  });

  async function handles(): Promise<[number, string | null][]> {
    return (await db.query<{ id: number; handle: string | null }>("SELECT id, handle FROM users ORDER BY id")).rows.map((r) => [r.id, r.handle]);
  }

  it("gives every user a handle: the seed users theirs, others their email's local part, cleaned, suffixed with the id when taken", async () => {
    expect(await handles()).toEqual([
      [1, "giles"], [2, "priya"], [3, "tom"], [4, "hannah"], [5, "kwame"],
      [100, "hannah_102"],
      [101, "site_101"],
      [102, "hannah_102_2"], // 'hannah' and 'hannah_102' were taken
      [103, "mary_jane_news"],
      [104, "a".repeat(30)],
      [105, `${"a".repeat(26)}_105`],
      [106, "jos_"],
    ]);
  });

  it("leaves handles as they are when applied again, with one check and one unique index", async () => {
    const before = await handles();
    await db.exec(schemaOnlySql);
    await db.exec(fullSql);
    expect(await handles()).toEqual(before);
    expect(await count(db, "SELECT 1 FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname = 'users_handle_check'")).toBe(1);
    expect(await count(db, "SELECT 1 FROM pg_indexes WHERE tablename = 'users' AND indexdef LIKE '%(handle)%'")).toBe(1);
    expect(await count(db, "SELECT 1 FROM pg_constraint WHERE conrelid = 'fed_activities'::regclass AND contype = 'c'")).toBe(1);
  });

  it("refuses a handle that is not [a-z0-9_]{1,30}, is 'site' or is taken", async () => {
    for (const bad of ["site", "Hannah", "han-nah", "", "x".repeat(31)]) {
      expect((await rejected(db, `UPDATE users SET handle = '${bad}' WHERE id = 103`)).code, bad).toBe("23514");
    }
    expect((await rejected(db, "UPDATE users SET handle = 'hannah' WHERE id = 103")).code).toBe("23505"); // unique_violation
  });

  it("takes the outcome 'failed' for an activity, and keeps what it had", async () => {
    await db.query("INSERT INTO fed_activities (id, type, actor, outcome, reason) VALUES ('https://m.example/2', 'Create', 'https://m.example/users/ann', 'failed', 'the database')");
    const rows = await db.query<{ id: string; outcome: string }>("SELECT id, outcome FROM fed_activities ORDER BY id");
    expect(rows.rows).toEqual([{ id: "https://m.example/1", outcome: "accepted" }, { id: "https://m.example/2", outcome: "failed" }]);
    expect((await rejected(db, "UPDATE fed_activities SET outcome = 'maybe'")).code).toBe("23514");
  });
});
