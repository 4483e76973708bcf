import { sha3_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { definitionName } from "../src/forms.ts";
import { EvalError } from "../src/errors.ts";
import {
  ENGINE_VERSION,
  Hasher,
  contentHash,
  definitionsOf,
  hashValue,
  sha3Hex,
  type Digest,
} from "../src/hash.ts";
import { print, printValue } from "../src/printer.ts";
import { createEnv, evaluateForms, fromJson } from "../src/program.ts";
import { parse, parseOne } from "../src/reader.ts";
import { Keyword, Sym, type Node, type Value } from "../src/types.ts";

const HEX64 = /^[0-9a-f]{64}$/;

/** A Hasher over the definitions in `lib`, and a parsed expression hashed against it. */
function hashWith(lib: string, expr: string): string {
  return new Hasher(definitionsOf(parse(lib))).hash(parseOne(expr));
}

/** A digest that counts its calls. */
function countingDigest(): { digest: Digest; calls: () => number } {
  let n = 0;
  return {
    digest: (data) => {
      n++;
      return sha3_256(data);
    },
    calls: () => n,
  };
}

const CARD = `(defcomp ~card (&key title) (div :class "card" (h2 title)))`;
const CARD_CHANGED = `(defcomp ~card (&key title) (div :class "card card--new" (h2 title)))`;
const LIST = `(defcomp ~card-list (&key items) (ul (map (fn (i) (li (~card :title i))) items)))`;
const FOOTER = `(defcomp ~footer () (footer "(c) rose-ash"))`;
const PAGE = `(div (~card-list :items (list "a" "b")))`;

describe("SHA3-256", () => {
  it("matches the known vector for the empty string", () => {
    expect(sha3Hex("")).toBe("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  });

  it("hashes the UTF-8 bytes of the text", () => {
    expect(sha3Hex("héllo ~card")).toBe(bytesToHex(sha3_256(utf8ToBytes("héllo ~card"))));
  });
});

describe("contentHash", () => {
  it("is SHA3-256 of the canonical printed form", () => {
    const n = parseOne(`(div   :class "x"  ; a comment\n  1 2.5 'sym)`);
    expect(print(n)).toBe(`(div :class "x" 1 2.5 'sym)`);
    expect(contentHash(n)).toBe(bytesToHex(sha3_256(utf8ToBytes(print(n)))));
    expect(contentHash(n)).toBe(sha3Hex(`(div :class "x" 1 2.5 'sym)`));
    expect(contentHash(n)).toMatch(HEX64);
  });

  it("ignores whitespace and comments but not content", () => {
    const a = parseOne(`(p :class "lead" "Hello" (b "world"))`);
    const b = parseOne(`; leading comment\n(p\n\t:class   "lead"\n  "Hello" ; trailing\n  (b "world")\n)`);
    const c = parseOne(`(p :class "lead" "Hello" (b "World"))`);
    expect(contentHash(b)).toBe(contentHash(a));
    expect(contentHash(c)).not.toBe(contentHash(a));
  });

  it("is memoized per node (same answer, same node)", () => {
    const n = parseOne(`(span "x")`);
    expect(contentHash(n)).toBe(contentHash(n));
  });
});

describe("hashValue", () => {
  it("is SHA3-256 of printValue, so a value hashes like its literal", () => {
    const data = fromJson({ title: "Apple", tags: ["a", "b"], n: 3, ok: true, none: null });
    expect(hashValue(data)).toBe(sha3Hex(printValue(data)));
    expect(hashValue(data)).toMatch(HEX64);
    expect(hashValue("a")).toBe(contentHash(parseOne(`"a"`)));
    expect(hashValue([1, 2, Sym.of("x"), Keyword.of("k")])).toBe(contentHash(parseOne(`(1 2 x :k)`)));
    expect(hashValue(null)).toBe(sha3Hex("nil"));
  });

  it("distinguishes different data", () => {
    expect(hashValue(fromJson({ a: 1 }))).not.toBe(hashValue(fromJson({ a: 2 })));
    expect(hashValue("1")).not.toBe(hashValue(1));
    expect(hashValue([])).not.toBe(hashValue(null));
  });

  it("refuses functions, even nested in data", () => {
    const env = createEnv();
    const [f] = evaluateForms(parse(`(fn (x) x)`), env) as Value[];
    expect(() => hashValue(f!)).toThrow(EvalError);
    expect(() => hashValue([1, new Map([["f", f!]])])).toThrow(/cannot hash a lambda/);
  });
});

describe("definitionsOf", () => {
  it("collects top-level define and defcomp forms by name, later ones winning", () => {
    const forms = parse(`
      (define x 1)
      (define (f a &rest r) (list a r))
      (defcomp ~card (&key title) (div title))
      (defroute "/a" (div "a"))
      (div "not a definition")
      (define x 2)`);
    const defs = definitionsOf(forms);
    expect([...defs.keys()]).toEqual(["x", "f", "~card"]);
    expect(defs.get("x")).toBe(forms[5]);
    expect(defs.get("f")).toBe(forms[1]);
    expect(defs.get("~card")).toBe(forms[2]);
  });

  it("names what each defining form defines", () => {
    expect(definitionName(parseOne(`(define y 3)`))).toBe("y");
    expect(definitionName(parseOne(`(define (g) 3)`))).toBe("g");
    expect(definitionName(parseOne(`(defcomp ~x () 1)`))).toBe("~x");
    expect(definitionName(parseOne(`(div 1)`))).toBeNull();
    expect(definitionName(parseOne(`define`))).toBeNull();
  });

  it("gives the same table as an evaluated environment", () => {
    const src = `${CARD} ${LIST} (define greeting "hi") (define (twice x) (* 2 x))`;
    const env = createEnv();
    evaluateForms(parse(src), env);
    const fromEnv = env.allDefinitions();
    const fromForms = definitionsOf(parse(src));
    expect([...fromEnv.keys()].sort()).toEqual([...fromForms.keys()].sort());
    const expr = parseOne(`(div greeting (twice 2) ${PAGE})`);
    expect(new Hasher(fromEnv).hash(expr)).toBe(new Hasher(fromForms).hash(expr));
  });
});

describe("Hasher (Merkle over definitions)", () => {
  it("produces 64 lowercase hex digits and mixes in the engine version", () => {
    expect(ENGINE_VERSION).toBe("rose-ash-sexp/1");
    const defs = definitionsOf(parse(CARD));
    const n = parseOne(`(~card :title "x")`);
    const h = new Hasher(defs).hash(n);
    expect(h).toMatch(HEX64);
    expect(h).not.toBe(contentHash(n));
    expect(new Hasher(defs, { engineVersion: "rose-ash-sexp/2" }).hash(n)).not.toBe(h);
    // With no definitions referenced, the engine version still separates keys.
    const plain = parseOne(`(p "x")`);
    expect(new Hasher(new Map()).hash(plain)).not.toBe(new Hasher(new Map(), { engineVersion: "other" }).hash(plain));
  });

  it("lists the definitions an expression references, outside quote", () => {
    const hasher = new Hasher(definitionsOf(parse(`${CARD} ${LIST} ${FOOTER} (define x 1)`)));
    expect(hasher.references(parseOne(PAGE))).toEqual(["~card-list"]);
    expect(hasher.references(parseOne(`(div x (~footer) {:a (~card)} '(~card-list) (quote x))`))).toEqual(["x", "~card", "~footer"]);
    expect(hasher.references(parseOne(`(div :class "~card" unknown-symbol)`))).toEqual([]);
  });

  it("changes when a component the expression uses changes", () => {
    const before = hashWith(CARD, `(~card :title "Apple")`);
    const after = hashWith(CARD_CHANGED, `(~card :title "Apple")`);
    expect(after).not.toBe(before);
  });

  it("changes when a component used through another component changes", () => {
    const before = hashWith(`${CARD} ${LIST} ${FOOTER}`, PAGE);
    const after = hashWith(`${CARD_CHANGED} ${LIST} ${FOOTER}`, PAGE);
    expect(after).not.toBe(before);
  });

  it("does not change when an unrelated definition changes, appears or disappears", () => {
    const base = hashWith(`${CARD} ${LIST} ${FOOTER}`, PAGE);
    expect(hashWith(`${CARD} ${LIST} (defcomp ~footer () (footer "changed"))`, PAGE)).toBe(base);
    expect(hashWith(`${CARD} ${LIST}`, PAGE)).toBe(base);
    expect(hashWith(`${CARD} ${LIST} ${FOOTER} (define unrelated 42)`, PAGE)).toBe(base);
  });

  it("does not follow quoted names", () => {
    const expr = `(div '~card (quote (~card :title "x")))`;
    expect(hashWith(CARD_CHANGED, expr)).toBe(hashWith(CARD, expr));
  });

  it("depends on whether a name is a definition at all (a definition may shadow a primitive)", () => {
    expect(hashWith(`(define (upper s) s)`, `(upper "x")`)).not.toBe(hashWith(``, `(upper "x")`));
  });

  it("ignores whitespace and comments in the expression and in every definition", () => {
    const lib = `${CARD} ${LIST} ${FOOTER}`;
    const messyLib = `
      ; cards
      (defcomp ~card   (&key title)
        (div :class "card"   ; the frame
             (h2 title)))
      (defcomp ~card-list (&key items)
        (ul (map (fn (i)
                   (li (~card :title i)))
                 items)))
      (defcomp ~footer () (footer
        "(c) rose-ash"))`;
    const messyPage = `(div ; page
      (~card-list :items (list "a"
                               "b")))`;
    expect(hashWith(messyLib, messyPage)).toBe(hashWith(lib, PAGE));
    const a = new Hasher(definitionsOf(parse(lib)));
    const b = new Hasher(definitionsOf(parse(messyLib)));
    for (const name of ["~card", "~card-list", "~footer"]) expect(b.definitionHash(name)).toBe(a.definitionHash(name));
  });

  it("gives the same hashes for two separately parsed identical tables", () => {
    const lib = `${CARD} ${LIST} ${FOOTER}`;
    const h1 = new Hasher(definitionsOf(parse(lib, { src: "one.sexp" })));
    const h2 = new Hasher(definitionsOf(parse(lib, { src: "two.sexp" })));
    expect(h2.hash(parseOne(PAGE))).toBe(h1.hash(parseOne(PAGE)));
    expect(h2.definitionHash("~card-list")).toBe(h1.definitionHash("~card-list"));
  });

  it("returns undefined for the hash of an unknown definition", () => {
    expect(new Hasher(new Map()).definitionHash("~nope")).toBeUndefined();
  });
});

describe("Hasher with recursion", () => {
  const NAV = `
    (defcomp ~nav-tree (&key items)
      (ul (map (fn (item)
                 (li (a :href (:slot item :href) (:slot item :label))
                     (when (:slot item :children) (~nav-tree :items (:slot item :children)))))
               items)))`;
  const NAV_CHANGED = NAV.replace("(ul", `(ul :class "nav"`);
  const ASIDE = `(defcomp ~aside (&key items) (aside (~nav-tree :items items)))`;

  it("hashes a self-recursive component and expressions using it", () => {
    const hasher = new Hasher(definitionsOf(parse(`${NAV} ${ASIDE}`)));
    expect(hasher.references(parseOne(NAV))).toEqual(["~nav-tree"]);
    expect(hasher.definitionHash("~nav-tree")).toMatch(HEX64);
    expect(hasher.hash(parseOne(`(~aside :items nav)`))).toMatch(HEX64);
  });

  it("changes when the recursive component's body changes, directly or through another component", () => {
    for (const expr of [`(~nav-tree :items nav)`, `(~aside :items nav)`]) {
      expect(hashWith(`${NAV_CHANGED} ${ASIDE}`, expr)).not.toBe(hashWith(`${NAV} ${ASIDE}`, expr));
    }
  });

  const EVEN_ODD = `
    (define (my-even? n) (if (= n 0) true (my-odd? (- n 1))))
    (define (my-odd? n) (if (= n 0) false (my-even? (- n 1))))`;

  it("hashes mutually recursive functions, each member distinctly", () => {
    const hasher = new Hasher(definitionsOf(parse(EVEN_ODD)));
    const even = hasher.definitionHash("my-even?")!;
    const odd = hasher.definitionHash("my-odd?")!;
    expect(even).toMatch(HEX64);
    expect(odd).toMatch(HEX64);
    expect(even).not.toBe(odd);
  });

  it("propagates a change to one member of a cycle to every member and every user", () => {
    const changed = EVEN_ODD.replace("(if (= n 0) false", "(if (<= n 0) false");
    const a = new Hasher(definitionsOf(parse(EVEN_ODD)));
    const b = new Hasher(definitionsOf(parse(changed)));
    expect(b.definitionHash("my-even?")).not.toBe(a.definitionHash("my-even?"));
    expect(b.definitionHash("my-odd?")).not.toBe(a.definitionHash("my-odd?"));
    const expr = parseOne(`(p (my-even? 10))`); // uses my-odd? only through the cycle
    expect(b.hash(expr)).not.toBe(a.hash(expr));
  });

  it("propagates a change below a cycle up through the cycle", () => {
    const lib = (leaf: string) => `
      (defcomp ~top () (~ping :n 3))
      (defcomp ~ping (&key n) (if (> n 0) (~pong :n (- n 1)) (~leaf)))
      (defcomp ~pong (&key n) (~ping :n n))
      (defcomp ~leaf () (span ${leaf}))`;
    expect(hashWith(lib(`"b"`), `(~top)`)).not.toBe(hashWith(lib(`"a"`), `(~top)`));
    // ...but a definition outside the cycle's reach does not matter.
    expect(hashWith(lib(`"a"`) + ` (define other 1)`, `(~top)`)).toBe(hashWith(lib(`"a"`), `(~top)`));
  });

  it("does not depend on the order definitions are first hashed in", () => {
    const lib = `${EVEN_ODD} ${NAV} ${ASIDE} (define (uses-both n) (list (my-odd? n) (~aside :items n)))`;
    const names = ["my-even?", "my-odd?", "~nav-tree", "~aside", "uses-both"];
    const forward = new Hasher(definitionsOf(parse(lib)));
    const backward = new Hasher(definitionsOf(parse(lib)));
    const f = names.map((n) => forward.definitionHash(n));
    const b = [...names].reverse().map((n) => backward.definitionHash(n)).reverse();
    expect(b).toEqual(f);
  });

  it("handles a long chain of definitions without deep recursion", () => {
    const n = 20_000;
    let lib = "";
    for (let i = 0; i < n; i++) lib += `(define (f${i} x) ${i + 1 < n ? `(f${i + 1} x)` : "x"})\n`;
    const a = new Hasher(definitionsOf(parse(lib)));
    const b = new Hasher(definitionsOf(parse(lib.replace(`(define (f${n - 1} x) x)`, `(define (f${n - 1} x) (+ x 1))`))));
    expect(b.hash(parseOne(`(f0 1)`))).not.toBe(a.hash(parseOne(`(f0 1)`)));
  });
});

describe("Hasher memoization", () => {
  it("hashes the same node once", () => {
    const { digest, calls } = countingDigest();
    const hasher = new Hasher(definitionsOf(parse(CARD)), { digest });
    const n = parseOne(`(~card :title "x")`);
    const h = hasher.hash(n);
    const after = calls();
    expect(hasher.hash(n)).toBe(h);
    expect(calls()).toBe(after);
  });

  it("hashes each definition once across expressions", () => {
    const { digest, calls } = countingDigest();
    const hasher = new Hasher(definitionsOf(parse(`${CARD} ${LIST}`)), { digest });
    hasher.hash(parseOne(`(~card :title "x")`));
    // ~card (a component of one definition: one digest), then the expression.
    expect(calls()).toBe(2);
    hasher.hash(parseOne(PAGE));
    // ~card-list and the expression; ~card is reused.
    expect(calls()).toBe(4);
    hasher.hash(parseOne(`(~card :title "y")`));
    expect(calls()).toBe(5);
  });

  it("digests a cycle once, plus one digest per member", () => {
    const { digest, calls } = countingDigest();
    const hasher = new Hasher(definitionsOf(parse(`(define (f1) (f2)) (define (f2) (f3)) (define (f3) (f1))`)), { digest });
    hasher.definitionHash("f2");
    expect(calls()).toBe(4);
    hasher.definitionHash("f1");
    hasher.definitionHash("f3");
    expect(calls()).toBe(4);
  });

  it("agrees with an unmemoized fresh Hasher", () => {
    const lib = definitionsOf(parse(`${CARD} ${LIST}`));
    const warm = new Hasher(lib);
    warm.hash(parseOne(`(~card)`));
    expect(warm.hash(parseOne(PAGE))).toBe(new Hasher(lib).hash(parseOne(PAGE)));
  });
});

describe("Hasher properties", () => {
  /**
   * Random definition graphs (cycles allowed): changing one definition's body
   * changes exactly the hashes of the definitions that can reach it.
   */
  it("a change reaches exactly the definitions that depend on it", () => {
    const graph = fc
      .integer({ min: 1, max: 7 })
      .chain((n) =>
        fc.record({
          edges: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }), { minLength: n, maxLength: n }),
          changed: fc.integer({ min: 0, max: n - 1 }),
        }),
      );
    fc.assert(
      fc.property(graph, ({ edges, changed }) => {
        const source = (bump: number) =>
          edges.map((to, i) => `(define (g${i} x) (list ${i === bump ? "1" : "0"} ${to.map((j) => `(g${j} x)`).join(" ")}))`).join("\n");
        const before = new Hasher(definitionsOf(parse(source(-1))));
        const after = new Hasher(definitionsOf(parse(source(changed))));
        // Reachability computed independently of the hasher.
        const reaches = (from: number): boolean => {
          const seen = new Set<number>();
          const todo = [from];
          while (todo.length) {
            const i = todo.pop()!;
            if (i === changed) return true;
            if (seen.has(i)) continue;
            seen.add(i);
            todo.push(...edges[i]!);
          }
          return false;
        };
        edges.forEach((_, i) => {
          const same = before.definitionHash(`g${i}`) === after.definitionHash(`g${i}`);
          expect(same).toBe(!reaches(i));
        });
      }),
    );
  });

  it("distinct definitions and expressions get distinct hashes", () => {
    const lib = `${CARD} ${LIST} ${FOOTER} (define (my-even? n) (my-odd? n)) (define (my-odd? n) (my-even? n))`;
    const hasher = new Hasher(definitionsOf(parse(lib)));
    const hashes: string[] = [];
    for (const name of hasher.definitions.keys()) hashes.push(hasher.definitionHash(name)!);
    for (const form of parse(lib)) hashes.push(hasher.hash(form as Node));
    hashes.push(hasher.hash(parseOne(PAGE)));
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});
