/**
 * The recipe language: what reads, and what is refused — every problem at
 * once, each as FILE:LINE:COL with the nearest name where there is one.
 */
import { check, parse, printValue, evaluate, createEnv } from "@rose-ash/sexp";
import { describe, expect, test } from "vitest";
import { LIMITS, MEDIA_FORMS, RecipeError, Still, Video, desugar, effectNames, mediaRegistry, readRecipe } from "../src/index.ts";

/** The problems of a recipe that must not read, as `FILE:LINE:COL: message` lines. */
function problems(source: string): string[] {
  try {
    readRecipe(source, { src: "r.sexp" });
  } catch (e) {
    expect(e).toBeInstanceOf(RecipeError);
    return (e as Error).message.split("\n");
  }
  throw new Error("the recipe read without problems");
}

describe("reading recipes", () => {
  test("an image: the last form, earlier ones defining helpers", () => {
    const r = readRecipe(`
      ; a helper and a value
      (define red "#ff0000")
      (define (card c) (solid :width 32 :height 16 :color c))
      (-> (card red) (fx invert) (fx blur :radius 1))`);
    expect(r.kind).toBe("image");
    expect(r.frames).toHaveLength(1);
    const root = r.frames[0]!;
    expect(root.op).toBe("chain");
    expect(root.form).toBe("(chain (invert) (blur :radius 1))");
    expect(root.inputs[0]!.form).toBe('(solid :width 32 :height 16 :color "#ff0000")');
    expect([root.width, root.height]).toEqual([32, 16]);
  });

  test("a run of effects in -> is one chain; other steps split it", () => {
    const r = readRecipe(`(-> (noise :width 64 :height 64 :seed 3) (fx grayscale) (fx sepia) (resize :width 32 :height 32) (fx invert) (crop :x 8 :y 8 :width 16 :height 16))`);
    const ops: string[] = [];
    for (let s: Still | undefined = r.frames[0]; s; s = s.inputs[0]) ops.push(s.op);
    expect(ops).toEqual(["crop", "chain", "resize", "chain", "noise"]);
    expect(r.frames[0]!.inputs[0]!.effects.map((e) => e.effect)).toEqual(["invert"]);
  });

  test("(fx NAME source) is the same node as (-> source (fx NAME))", () => {
    const a = readRecipe(`(fx blur :radius 2 (solid :width 4 :height 4))`).frames[0]!;
    const b = readRecipe(`(-> (solid :width 4 :height 4) (fx blur :radius 2))`).frames[0]!;
    expect(a.form).toBe(b.form);
    expect(a.inputs[0]!.form).toBe(b.inputs[0]!.form);
  });

  test("an effect's name may be a symbol, a string, or computed", () => {
    const forms = ['(fx hue-shift :degrees 30 (solid :width 4 :height 4))', '(fx "hue-shift" :degrees 30 (solid :width 4 :height 4))', '(fx (str "hue" "-shift") :degrees 30 (solid :width 4 :height 4))'];
    expect(new Set(forms.map((f) => readRecipe(f).frames[0]!.form))).toEqual(new Set(["(chain (hue-shift :degrees 30))"]));
    expect(problems('(fx (str "hue" "-shiftt") (solid :width 4 :height 4))')).toEqual(["r.sexp:1:1: unknown effect hue-shiftt (did you mean hue-shift?)"]);
    expect(problems("(fx 42 (solid :width 4 :height 4))")).toEqual(["r.sexp:1:5: fx needs an effect name (a symbol), not the number 42"]);
  });

  test("defaults are filled in and colours are kept in one case", () => {
    const r = readRecipe(`(blend (solid :width 4 :height 4 :color "#ABCDEF") (gradient :width 4 :height 4))`);
    expect(r.frames[0]!.form).toBe('(blend :mode "normal" :opacity 1)');
    expect(r.frames[0]!.inputs.map((s) => s.form)).toEqual(['(solid :width 4 :height 4 :color "#abcdef")', '(gradient :width 4 :height 4 :from "#000000" :to "#ffffff")']);
  });

  test("(blend b ...) inside -> puts the threaded image over b", () => {
    const r = readRecipe(`(-> (solid :width 4 :height 4 :color "#ff0000") (blend (solid :width 4 :height 4) :mode "screen"))`);
    const [a, b] = r.frames[0]!.inputs;
    expect(a!.form).toContain('"#ff0000"');
    expect(b!.form).toContain('"#000000"');
  });

  test("frames: parameters are expressions of t, evaluated per frame; what does not depend on t is one still", () => {
    const r = readRecipe(`
      (define bg (gradient :width 16 :height 16 :from "#000000" :to "#0000ff"))
      (frames :count 5 :fps 10
        (layer bg (-> (solid :width 16 :height 16 :color "#ffffff") (fx brightness :amount (* -1 t)))))`);
    expect(r.kind).toBe("video");
    expect(r.fps).toBe(10);
    expect(r.frames).toHaveLength(5);
    const amounts = r.frames.map((f) => f.inputs[1]!.effects[0]!.params.amount);
    expect(amounts).toEqual([0, -0.1, -0.2, -0.3, -0.4]);
    // The background is one value in every frame.
    expect(new Set(r.frames.map((f) => f.inputs[0]))).toHaveProperty("size", 1);
  });

  test("an effect applied to a video applies to every frame", () => {
    const r = readRecipe(`(-> (frames :count 3 :fps 3 (solid :width 4 :height 4 :color "#808080")) (fx grain :seed 9))`);
    expect(r.frames).toHaveLength(3);
    expect(r.frames.every((f) => f.op === "chain" && f.effects[0]!.effect === "grain")).toBe(true);
  });

  test("sequence cuts or crossfades; segment takes a time range", () => {
    const clip = (c: string) => `(frames :count 10 :fps 10 (solid :width 8 :height 8 :color "${c}"))`;
    expect(readRecipe(`(sequence ${clip("#ff0000")} ${clip("#0000ff")})`).frames).toHaveLength(20);
    const faded = readRecipe(`(sequence ${clip("#ff0000")} ${clip("#0000ff")} :transition "crossfade" :duration 0.5)`);
    expect(faded.frames).toHaveLength(15);
    const mid = faded.frames.slice(5, 10);
    expect(mid.every((f) => f.op === "blend")).toBe(true);
    expect(mid.map((f) => f.params.opacity)).toEqual([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6]);
    expect(readRecipe(`(segment ${clip("#ff0000")} :start 0.2 :end 0.5)`).frames).toHaveLength(3);
    expect(readRecipe(`(segment ${clip("#ff0000")} :start 0.7)`).frames).toHaveLength(3);
  });
});

describe("problems, every one, with positions", () => {
  test("an unknown effect, with the nearest name", () => {
    expect(problems(`(-> (solid :width 8 :height 8)\n    (fx blurr :radius 2))`)).toEqual(["r.sexp:2:9: unknown effect blurr (did you mean blur?)"]);
  });

  test("an unknown effect far from every name lists them", () => {
    const [p] = problems(`(fx zzzzzz (solid :width 8 :height 8))`);
    expect(p).toMatch(/^r\.sexp:1:5: unknown effect zzzzzz \(effects: .*blur.*\)$/);
  });

  test("an unknown parameter, with the nearest name", () => {
    expect(problems(`(fx blur :raduis 2 (solid :width 8 :height 8))`)).toEqual(["r.sexp:1:10: fx blur has no parameter :raduis (did you mean :radius?)"]);
    expect(problems(`(solid :widht 8 :height 8)`)).toEqual(["r.sexp:1:1: solid needs :width", "r.sexp:1:8: solid has no parameter :widht (did you mean :width?)"]);
  });

  test("a mistyped parameter", () => {
    expect(problems(`(fx blur :radius "2" (solid :width 8 :height 8))`)).toEqual(['r.sexp:1:18: fx blur :radius must be an integer, got the string "2"']);
    expect(problems(`(fx blur :radius 1.5 (solid :width 8 :height 8))`)).toEqual(["r.sexp:1:18: fx blur :radius must be an integer, got 1.5"]);
    expect(problems(`(blend (solid :width 8 :height 8) (solid :width 8 :height 8) :mode "multiplly")`)).toEqual([
      'r.sexp:1:68: blend :mode "multiplly" is not one of "normal", "multiply", "screen", "overlay", "add", "difference" (did you mean "multiply"?)',
    ]);
    expect(problems(`(layer 42)`)).toEqual(["r.sexp:1:8: layer takes images and videos, not the number 42"]);
  });

  test("out of range", () => {
    expect(problems(`(fx brightness :amount 2 (solid :width 8 :height 8))`)).toEqual(["r.sexp:1:24: fx brightness :amount 2 is above its maximum 1"]);
    expect(problems(`(solid :width 0 :height 8)`)).toEqual(["r.sexp:1:15: solid :width 0 is below its minimum 1"]);
  });

  test("bad colours", () => {
    expect(problems(`(solid :width 8 :height 8 :color "#ff00zz")`)).toEqual(['r.sexp:1:34: solid :color: bad colour "#ff00zz", expected "#rrggbb" (six hex digits)']);
    expect(problems(`(gradient :width 8 :height 8 :from "red" :to 255)`)).toEqual([
      'r.sexp:1:36: gradient :from: bad colour "red", expected "#rrggbb" (six hex digits)',
      'r.sexp:1:46: gradient :to must be a colour "#rrggbb", got the number 255',
    ]);
  });

  test("sizes beyond the limits", () => {
    expect(problems(`(solid :width 9000 :height 8)`)).toEqual([`r.sexp:1:15: solid :width 9000 is above its maximum ${LIMITS.maxSide}`]);
    expect(problems(`(noise :width 5000 :height 5000)`)).toEqual([`r.sexp:1:15: noise: 5000x5000 is 25000000 pixels, above the limit of ${LIMITS.maxPixels} (16 megapixels)`]);
    expect(problems(`(frames :count 601 (solid :width 8 :height 8))`)).toEqual([`r.sexp:1:16: frames :count 601 is above its maximum ${LIMITS.maxFrames}`]);
    // Computed sizes are refused when evaluated, at the call.
    expect(problems(`(define w 4096)\n(resize (solid :width 8 :height 8) :width w :height (* w 2))`)).toEqual([
      `r.sexp:2:1: resize: 4096x8192 is 33554432 pixels, above the limit of ${LIMITS.maxPixels} (16 megapixels)`,
    ]);
    const long = `(frames :count 400 :fps 10 (solid :width 8 :height 8))`;
    expect(problems(`(sequence ${long} ${long})`)).toEqual([`r.sexp:1:1: a video of 800 frames is above the limit of ${LIMITS.maxFrames}`]);
  });

  test("every problem is collected, in source order", () => {
    const found = problems(`(define x (solid :width 9000 :height 8 :color "#12345"))
(-> (gradient :width 8 :height 8 :form "#000000")
    (fx sepiaa)
    (fx blur :radius "big" :sigma 2)
    (fx flip :axis "z"))`);
    expect(found).toEqual([
      "r.sexp:1:25: solid :width 9000 is above its maximum 8192",
      'r.sexp:1:47: solid :color: bad colour "#12345", expected "#rrggbb" (six hex digits)',
      "r.sexp:2:34: gradient has no parameter :form (did you mean :from?)",
      "r.sexp:3:9: unknown effect sepiaa (did you mean sepia?)",
      'r.sexp:4:22: fx blur :radius must be an integer, got the string "big"',
      "r.sexp:4:28: fx blur has no parameter :sigma (it takes :radius)",
      'r.sexp:5:20: fx flip :axis "z" is not one of "x", "y"',
    ]);
  });

  test("the typed error holds the positioned problems", () => {
    try {
      readRecipe(`(solid :width 8 :height 8 :color "#ff00zz")`, { src: "a.sexp" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RecipeError);
      expect((e as RecipeError).problems).toEqual([{ loc: { src: "a.sexp", line: 1, col: 34 }, message: expect.stringContaining("bad colour") }]);
    }
  });

  test("a value computed from t is checked per frame, at its call", () => {
    expect(problems(`(frames :count 30 :fps 10\n  (fx brightness :amount (* 0.5 t) (solid :width 8 :height 8)))`)).toEqual([
      "r.sexp:2:3: fx brightness :amount 1.05 is above its maximum 1 (in frame 21, t = 2.1)",
    ]);
  });

  test("t is bound inside frames only; unknown names get the nearest", () => {
    expect(problems(`(fx brightness :amount t (solid :width 8 :height 8))`)).toEqual(["r.sexp:1:24: unknown symbol 't'"]);
    expect(problems(`(frames :count 2 (fx rotate :degrees (sine t) (solid :width 8 :height 8)))`)).toEqual(["r.sexp:1:39: unknown symbol 'sine' (did you mean 'sin'?)"]);
  });

  test("the last form must be an image or a video; an empty recipe says what a recipe is", () => {
    expect(problems(`(define a 1) (+ a 1)`)).toEqual(["r.sexp:1:14: the recipe's last form must give an image or a video, not the number 2"]);
    expect(problems(`(fx invert)`)).toEqual(["r.sexp:1:1: the recipe's last form must give an image or a video, not an effect step (it needs a source: use it inside ->)"]);
    expect(problems(`; nothing`)[0]).toMatch(/^r\.sexp:1:1: the recipe is empty/);
  });

  test("read errors and runaway evaluation are positioned too", () => {
    expect(problems(`(solid :width 8\n  :height 8`)).toEqual(["r.sexp:1:1: unclosed '(': expected ')' before end of input"]);
    expect(problems(`(define (f n) (f (+ n 1)))\n(solid :width (f 0) :height 8)`)[0]).toMatch(/^r\.sexp:\d+:\d+: recursion deeper than/);
  });

  test("a source where a step belongs, and a step where a source belongs", () => {
    expect(problems(`(-> (solid :width 8 :height 8) (fx blur (solid :width 8 :height 8)))`)).toEqual([
      "r.sexp:1:1: -> step 1 is an image, not a step (write the step without its source: (fx blur), not (fx blur image))",
    ]);
    expect(problems(`(layer (fx invert))`)).toEqual(["r.sexp:1:1: layer takes images and videos, not an effect step (it needs a source: use it inside ->)"]);
  });
});

describe("the vocabulary is registered with metadata, as every primitive", () => {
  test("each form and fx have a lambda list, a doc and checks the sexp checker runs", () => {
    const registry = mediaRegistry();
    for (const name of [...Object.keys(MEDIA_FORMS), "fx", "->"]) {
      const p = registry.get(name);
      expect(p, name).toBeDefined();
      expect(p!.meta.doc.length, name).toBeGreaterThan(10);
      expect(p!.meta.check, name).not.toBeNull();
    }
    for (const e of effectNames()) expect(registry.get("fx")!.meta.doc).toContain(e);
    expect(registry.get("solid")!.meta.doc).toContain(":width int 1..8192 (required)");
    // The plain sexp checker, given the registry, finds what rose-render finds.
    const forms = parse(`(-> (solid :width 8 :height 8) (fx blurr))`, { src: "c.sexp" }).map(desugar);
    expect(check(forms, { registry }).map((p) => `${p.loc.line}:${p.loc.col}: ${p.message}`)).toEqual(["1:36: unknown effect blurr (did you mean blur?)"]);
  });

  test("the examples evaluate to what they say", async () => {
    const registry = mediaRegistry();
    for (const p of registry.list()) {
      for (const [expr, printed] of p.meta.examples) expect(printValue(await evaluate(expr, createEnv(registry))), expr).toBe(printed);
    }
  });

  test("media values print as what they are", () => {
    const v = readRecipe(`(frames :count 2 (solid :width 2 :height 2))`);
    expect(String(new Video(v.fps, v.frames))).toBe("#<video 2 frames at 24 fps>");
  });
});
