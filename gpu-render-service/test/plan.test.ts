/**
 * Plan keys: Merkle over the canonical form and the inputs' keys in order;
 * layout, comments, helper names and file paths never matter.
 */
import { describe, expect, test } from "vitest";
import { explain, nodeKey, plan, readRecipe, type Plan } from "../src/index.ts";

const planOf = (source: string, engine = "cpu", src = "a.sexp"): Plan => plan(readRecipe(source, { src }), { engine, format: "png", encoder: "test" });
const rootKey = (source: string, engine = "cpu"): string => {
  const p = planOf(source, engine);
  return p.frames[0]!;
};

describe("node keys", () => {
  test("comments, layout, helpers, defaults written out and the file's name do not change a key", () => {
    const a = rootKey(`(-> (solid :width 8 :height 8 :color "#FF0000") (fx blur :radius 2))`);
    const b = rootKey(`
      ; the same image, written differently
      (define red "#ff0000")
      (define (tile c)
        (solid :height 8
               :width 8 :color c))
      (->   (tile red)
            (fx blur))   ; radius 2 is blur's default`);
    expect(b).toBe(a);
    expect(planOf(`(solid :width 8 :height 8)`, "cpu", "x/one.sexp").frames[0]).toBe(planOf(`(solid :width 8 :height 8)`, "cpu", "/elsewhere/two.sexp").frames[0]);
  });

  test("input order matters", () => {
    const a = `(solid :width 8 :height 8 :color "#ff0000")`;
    const b = `(gradient :width 8 :height 8)`;
    expect(rootKey(`(blend ${a} ${b})`)).not.toBe(rootKey(`(blend ${b} ${a})`));
    expect(rootKey(`(layer ${a} ${b})`)).not.toBe(rootKey(`(layer ${b} ${a})`));
    // And the same inputs in the same order are the same node.
    expect(rootKey(`(layer ${a} ${b})`)).toBe(rootKey(`(layer ${a}\n${b})`));
  });

  test("a key is its form's and its inputs' keys: a change below changes every key above, and nothing beside", () => {
    const recipe = (amount: number) => `(layer (-> (noise :width 8 :height 8 :seed 1) (fx brightness :amount ${amount})) (-> (gradient :width 8 :height 8) (fx invert)))`;
    const before = planOf(recipe(0.1));
    const after = planOf(recipe(0.2));
    const keys = (p: Plan) => new Map(p.nodes.map((n) => [n.form, n.key]));
    const [k1, k2] = [keys(before), keys(after)];
    expect(k2.get("(noise :width 8 :height 8 :seed 1)")).toBe(k1.get("(noise :width 8 :height 8 :seed 1)"));
    expect(k2.get("(chain (invert))")).toBe(k1.get("(chain (invert))"));
    expect(k2.get('(gradient :width 8 :height 8 :from "#000000" :to "#ffffff")')).toBeDefined();
    expect(k2.get("(chain (brightness :amount 0.2))")).not.toBe(k1.get("(chain (brightness :amount 0.1))"));
    expect(after.frames[0]).not.toBe(before.frames[0]);
  });

  test("the engine is part of a computed node's key; an asset's decoding is not", () => {
    const cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    expect(rootKey(`(solid :width 8 :height 8)`, "cpu")).not.toBe(rootKey(`(solid :width 8 :height 8)`, "webgpu"));
    expect(rootKey(`(asset :cid "${cid}")`, "cpu")).toBe(rootKey(`(asset :cid "${cid}")`, "webgpu"));
    expect(rootKey(`(asset :cid "${cid}")`)).toBe(nodeKey("-", `(asset :cid "${cid}")`, []));
  });

  test("a run of effects in -> is one chain node, with its fused passes", () => {
    const p = planOf(`(-> (noise :width 16 :height 16) (fx grayscale) (fx contrast :amount 1.2) (fx flip) (fx blur :radius 1) (fx invert) (fx rotate :degrees 10))`);
    expect(p.nodes.map((n) => n.kind)).toEqual(["noise", "chain", "output"]);
    expect(p.nodes[1]!.passes).toEqual([
      { kind: "fused", effects: ["grayscale", "contrast", "flip"] },
      // blur is separable: two passes.
      { kind: "neighbourhood", effects: ["blur"] },
      { kind: "neighbourhood", effects: ["blur"] },
      { kind: "fused", effects: ["invert", "rotate"] },
    ]);
  });

  test("a video is a root per frame; what does not change with t is one node", () => {
    const p = planOf(`(frames :count 6 :fps 6 (layer (gradient :width 8 :height 8) (-> (solid :width 8 :height 8 :color "#ff0000") (fx rotate :degrees (* 60 (floor (* t 2)))))))`);
    expect(p.frames).toHaveLength(6);
    // t = 0, 1/6, 2/6 give rotate 0; 3/6, 4/6, 5/6 rotate 60: two distinct frames.
    expect(new Set(p.frames).size).toBe(2);
    expect(p.nodes.filter((n) => n.kind === "gradient")).toHaveLength(1);
    expect(p.nodes.filter((n) => n.kind === "solid")).toHaveLength(1);
    expect(p.nodes.filter((n) => n.kind === "chain")).toHaveLength(2);
    expect(p.output.inputs).toEqual(p.frames);
  });

  test("the output's key holds the format, the rate and the encoder", () => {
    const r = readRecipe(`(solid :width 8 :height 8)`);
    const key = (format: "png" | "webp", encoder: string) => plan(r, { engine: "cpu", format, encoder }).output.key;
    expect(key("png", "a")).not.toBe(key("webp", "a"));
    expect(key("png", "a")).not.toBe(key("png", "b"));
    expect(key("png", "a")).toBe(key("png", "a"));
  });

  test("explain shows nodes, keys, inputs and passes", () => {
    const text = explain(planOf(`(-> (solid :width 8 :height 8) (fx invert) (fx blur))`));
    expect(text).toMatch(/^plan: image 8x8 -> png on cpu; 3 nodes/);
    expect(text).toMatch(/#1 chain +[0-9a-f]{16} +planned +<- #0 +passes: fused\[invert\] \+ neighbourhood\[blur\] \+ neighbourhood\[blur\]/);
    expect(text).toContain("(chain (invert) (blur :radius 2))");
  });

  test("frames of different sizes are refused", () => {
    expect(() => planOf(`(frames :count 2 :fps 1 (solid :width (+ 8 t) :height 8))`)).toThrow(/every frame of a video has one size, and these have 8x8, 9x8/);
  });
});
