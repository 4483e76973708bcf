/**
 * Data as s-expression source (a shared page's rows, a post's fields): the
 * expression evaluates back to the data, lists are built with `list`, maps
 * keep their order, and no text can become code — as a property over
 * arbitrary JSON-like data.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Keyword, createEnv, evaluate } from "@rose-ash/sexp";
import { dataSource } from "../src/index.ts";

/** What the evaluator gives back, as plain JSON-like data (maps as records). */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k instanceof Keyword ? k.name : String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

async function roundTrip(value: unknown): Promise<unknown> {
  return plain(await evaluate(dataSource(value), createEnv()));
}

describe("dataSource", () => {
  it("writes rows as maps in a list, in their own order", () => {
    const rows = [{ slug: "fair", title: "Fair", starts_at: new Date("2026-12-07T10:00:00Z"), capacity: 40, open: true, note: null }];
    expect(dataSource(rows)).toBe('(list {:slug "fair" :title "Fair" :starts_at "2026-12-07T10:00:00.000Z" :capacity 40 :open true :note nil})');
    expect(dataSource([])).toBe("(list)");
    expect(dataSource({ "two words": 1 })).toBe('{"two words" 1}');
  });

  it("keeps text as text: quotes, parens and code-like strings are printed strings", () => {
    expect(dataSource(['(raw! "<b>")', 'a"b'])).toBe('(list "(raw! \\"<b>\\")" "a\\"b")');
  });

  it("refuses what is not data", () => {
    expect(() => dataSource({ f: () => 1 })).toThrow(/not data/);
  });

  it("evaluates back to the data it was made from, whatever the data", async () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    await fc.assert(fc.asyncProperty(json, async (value) => {
      expect(await roundTrip(value)).toEqual(value);
    }), { numRuns: 200 });
  });
});
