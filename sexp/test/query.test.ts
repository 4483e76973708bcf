import { describe, expect, it } from "vitest";
import { bindQuery, check, compileQuery, createEnv, evaluate, evaluateForms, numberedSql, parse, parseOne, type ListNode, type Value } from "../src/index.ts";

const q = (src: string) => compileQuery(parseOne(src, { src: "q.sexp" }) as ListNode);
const args = (o: Record<string, Value>) => new Map(Object.entries(o));

const POST = `(defquery blog post-by-slug (&key slug (limit 1))
  "One post."
  :params {:slug :text :limit :int}
  :returns :one
  :shape {:id :int :title :text}
  :example {:slug "a"}
  :sql "SELECT id, title FROM posts WHERE slug = :slug AND title <> ':slug' AND id::text <> :slug -- :nope
        LIMIT :limit")`;

describe("defquery", () => {
  it("turns :name placeholders into $n, outside strings, comments and :: casts", () => {
    const def = q(POST);
    expect(def.sql).toBe("SELECT id, title FROM posts WHERE slug = $1 AND title <> ':slug' AND id::text <> $1 -- :nope\n        LIMIT $2");
    expect(def.order).toEqual(["slug", "limit"]);
    expect([def.service, def.name, def.doc, def.returns]).toEqual(["blog", "post-by-slug", "One post.", "one"]);
    expect([...def.shape]).toEqual([["id", "int"], ["title", "text"]]);
    expect(def.example.get("slug")).toBe("a");
  });

  it("binds checked parameters and applies defaults; values are never spliced into the SQL", () => {
    const def = q(POST);
    expect(bindQuery(def, args({ slug: "x' OR 1=1 --" }))).toEqual(["x' OR 1=1 --", 1]);
    expect(bindQuery(def, args({ slug: "x", limit: 5 }))).toEqual(["x", 5]);
    expect(() => bindQuery(def, args({}))).toThrow("query blog/post-by-slug needs :slug (text)");
    expect(() => bindQuery(def, args({ slug: 3 }))).toThrow("query blog/post-by-slug: :slug must be text, got number 3");
    expect(() => bindQuery(def, args({ slug: "x", limit: 1.5 }))).toThrow(/:limit must be int/);
    expect(() => bindQuery(def, args({ slug: "x", sluggo: 1 }))).toThrow("query blog/post-by-slug has no parameter :sluggo (did you mean :slug?)");
  });

  it("reports declaration mistakes with positions", () => {
    const bad: [string, RegExp][] = [
      ['(defquery blog x (&key a) :params {:a :text} :sql "SELECT :b")', /uses :b, which is not a parameter/],
      ['(defquery blog x (&key a) :params {:a :text} :sql "SELECT 1")', /parameter a is not used in :sql/],
      ['(defquery blog x (&key a) :sql "SELECT :a")', /parameter a has no type in :params/],
      ['(defquery blog x (&key a) :params {:a :string} :sql "SELECT :a")', /type of a must be one of :text :int/],
      ['(defquery blog x (a) :params {:a :text} :sql "SELECT :a")', /keyword parameters/],
      ['(defquery blog x () :returns :some :sql "SELECT 1")', /:returns must be one of/],
      ['(defquery blog x () :sql "SELECT \'oops")', /unterminated string/],
      ['(defquery blog x () :colour "red" :sql "SELECT 1")', /unknown option :colour/],
      ['(defquery blog x () :private true :sql "SELECT 1")', /:private says why generated pages may not use it, as a string/],
      ['(defquery blog x () :private "  " :sql "SELECT 1")', /:private says why generated pages may not use it, as a string/],
      ['(defquery blog x () :private :yes :sql "SELECT 1")', /:private says why/],
      ['(defquery "blog" x () :sql "SELECT 1")', /needs a service and a name/],
    ];
    for (const [src, message] of bad) {
      let err: (Error & { loc?: { line: number } }) | null = null;
      try {
        q(src);
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message, src).toMatch(message);
      expect(err?.loc?.line, src).toBe(1);
    }
  });

  it("registers in the environment when evaluated, and the checker validates it without evaluating", async () => {
    const env = createEnv();
    await evaluateForms(parse(POST), env);
    expect(env.query("blog", "post-by-slug")?.sql).toMatch(/^SELECT/);
    expect(createEnv(env).query("blog", "post-by-slug")).toBeDefined();
    expect(check(parse(POST))).toEqual([]);
    expect(check(parse('(defquery blog x () :sql "SELECT :y")')).map((p) => p.message)).toEqual(["query blog/x: :sql uses :y, which is not a parameter"]);
  });
});

describe(":private", () => {
  it("says why a query is not for generated pages, kept on its definition; without it, null", async () => {
    const def = q('(defquery fed followers () "Who follows this instance." :returns :many :private "operators only: it lists who follows this instance" :sql "SELECT 1")');
    expect(def.private).toBe("operators only: it lists who follows this instance");
    expect(def.doc).toBe("Who follows this instance.");
    expect(q(POST).private).toBeNull();
    const env = createEnv();
    await evaluate('(defaction fed forget (&key id) :params {:id :int} :private "operators only" :returns :none :sql "DELETE FROM f WHERE id = :id")', env);
    expect(env.query("fed", "forget")).toMatchObject({ kind: "action", private: "operators only" });
    // The checker reads it as the evaluator does.
    expect(check(parse('(defquery fed x () :private "why" :sql "SELECT 1")'))).toEqual([]);
    expect(check(parse('(defquery fed x () :private 1 :sql "SELECT 1")')).map((p) => p.message)).toEqual([
      'query fed/x: :private says why generated pages may not use it, as a string, e.g. :private "operators only: it lists who follows this instance"',
    ]);
  });
});

describe("defaction and numberedSql", () => {
  it("declares an action, named as one in errors", async () => {
    const env = createEnv();
    await evaluate('(defaction cart add (&key id (n 1)) :params {:id :int :n :int} :returns :none :sql "UPDATE t SET n = n + :n WHERE id = :id AND \':id\' <> \'$1\'")', env);
    const def = env.query("cart", "add")!;
    expect(def.kind).toBe("action");
    expect(() => bindQuery(def, new Map([["id", "x"]]))).toThrow("action cart/add: :id must be int");
    expect(def.sql).toBe("UPDATE t SET n = n + $1 WHERE id = $2 AND ':id' <> '$1'");
    expect(numberedSql(def, 3)).toBe("UPDATE t SET n = n + $4 WHERE id = $5 AND ':id' <> '$1'");
    expect(numberedSql(def, 0)).toBe(def.sql);
  });
});
