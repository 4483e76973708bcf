/**
 * The plan: a read recipe as a DAG of content-addressed nodes.
 *
 * Each engine operation (solid, gradient, noise, asset, chain, blend, layer,
 * resize, crop) is a node. Its Merkle key is SHA3-256 over the render
 * version, the engine that computes it (the CPU and WebGPU engines agree
 * within ±1, not bit for bit), its canonical form (the sexp printer's text
 * of the operation with every parameter resolved, values.ts), and its
 * inputs' keys IN ORDER; an asset's form holds its CID. Never a file path,
 * a helper's name, a comment or the layout: two recipes that compute the
 * same thing share keys, and a change to one operation changes its key and
 * its dependents' keys only. A run of effects in `->` is ONE `chain` node
 * (the engine fuses its per-pixel and remap effects into one pass).
 *
 * A video is one root per frame; frames that compute the same image share
 * one node (a background that does not depend on t is computed once). The
 * `output` node is the encoding of the roots in a format, keyed by the roots'
 * keys, the frame rate and the encoder's build and settings.
 */
import { Hasher } from "@rose-ash/sexp";
import type { Pass } from "./engine.ts";
import { passesOf } from "./recipe/effects.ts";
import { LIMITS } from "./recipe/limits.ts";
import { RecipeError, type Recipe } from "./recipe/read.ts";
import type { Still, StillOp } from "./recipe/values.ts";
import type { Format } from "./encode/index.ts";

/** Bump when what a node computes changes for the same form: every key changes. */
export const RENDER_VERSION = "rose-ash-render/1";

export type PlanNodeKind = StillOp | "output";
export type NodeState = "planned" | "executed" | "cached" | "skipped" | "failed";

export interface PlanNode {
  /** Its index in `Plan.nodes` (inputs come first). */
  readonly id: number;
  readonly key: string;
  readonly kind: PlanNodeKind;
  /** Canonical form of the operation alone: `(blur ...)`; the output's: `(output :format "png" ...)`. */
  readonly form: string;
  /** Its inputs' keys, in order (the output's: each frame's root, in order). */
  readonly inputs: readonly string[];
  /** A chain's passes: as planned, then as the engine ran them. */
  passes: readonly Pass[];
  /** Its output's size, where known before running (not under an asset). */
  readonly width: number | null;
  readonly height: number | null;
  /** What the render did with it: computed it, found its output cached, or did not need it. */
  state: NodeState;
  /** The CID of its output (a frame's PNG; the output's encoded bytes), once known. */
  cid: string | null;
  ms: number;
}

export interface Plan {
  readonly kind: "image" | "video";
  readonly fps: number;
  /** Every node once, inputs before the nodes that use them; the output last. */
  readonly nodes: readonly PlanNode[];
  readonly byKey: ReadonlyMap<string, PlanNode>;
  /** The stills the nodes stand for, by key (what the walk executes). */
  readonly stills: ReadonlyMap<string, Still>;
  /** Each frame's root key, in order. */
  readonly frames: readonly string[];
  readonly output: PlanNode;
  readonly format: Format;
  readonly engine: string;
}

export interface PlanOptions {
  /** The engine's name (`cpu`, `webgpu`): it is in every computed node's key. */
  readonly engine: string;
  readonly format: Format;
  /** The encoder's build and settings (`encoderId`): in the output's key. */
  readonly encoder: string;
}

const hasher = new Hasher(new Map(), { engineVersion: RENDER_VERSION });

/** A node's key: version, engine, canonical form, inputs' keys in order. */
export function nodeKey(engine: string, form: string, inputs: readonly string[]): string {
  return hasher.h(["node", engine, form, String(inputs.length), ...inputs]);
}

export function plan(recipe: Recipe, options: PlanOptions): Plan {
  const nodes: PlanNode[] = [];
  const byKey = new Map<string, PlanNode>();
  const stills = new Map<string, Still>();
  const keyOf = new Map<Still, string>();

  const visit = (root: Still): string => {
    // Iterative post-order: a long chain of operations must not exhaust the stack.
    const stack: { s: Still; next: number }[] = [{ s: root, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (keyOf.has(top.s)) {
        stack.pop();
        continue;
      }
      if (top.next < top.s.inputs.length) {
        const input = top.s.inputs[top.next++]!;
        if (!keyOf.has(input)) stack.push({ s: input, next: 0 });
        continue;
      }
      stack.pop();
      const s = top.s;
      const inputs = s.inputs.map((i) => keyOf.get(i)!);
      // Decoding an asset is the same on every engine.
      const key = nodeKey(s.op === "asset" ? "-" : options.engine, s.form, inputs);
      keyOf.set(s, key);
      if (byKey.has(key)) continue;
      if (nodes.length >= LIMITS.maxNodes) throw new RecipeError([{ loc: recipe.at, message: `the recipe makes more than ${LIMITS.maxNodes} distinct operations` }]);
      const n: PlanNode = {
        id: nodes.length,
        key,
        kind: s.op,
        form: s.form,
        inputs,
        passes: s.op === "chain" ? passesOf(s.effects.map((e) => e.effect)) : [],
        width: s.width,
        height: s.height,
        state: "planned",
        cid: null,
        ms: 0,
      };
      nodes.push(n);
      byKey.set(key, n);
      stills.set(key, s);
    }
    return keyOf.get(root)!;
  };

  const frames = recipe.frames.map(visit);
  const sizes = new Set(recipe.frames.filter((f) => f.width !== null).map((f) => f.size));
  if (sizes.size > 1) throw new RecipeError([{ loc: recipe.at, message: `every frame of a video has one size, and these have ${[...sizes].join(", ")}` }]);
  const first = recipe.frames[0]!;
  const form = `(output :format ${JSON.stringify(options.format)} :frames ${frames.length} :fps ${recipe.fps})`;
  const output: PlanNode = {
    id: nodes.length,
    // The encoder's build and settings too: another ffmpeg makes other bytes.
    key: hasher.h(["output", form, options.encoder, String(frames.length), ...frames]),
    kind: "output",
    form,
    inputs: frames,
    passes: [],
    width: first.width,
    height: first.height,
    state: "planned",
    cid: null,
    ms: 0,
  };
  nodes.push(output);
  byKey.set(output.key, output);
  return { kind: recipe.kind, fps: recipe.fps, nodes, byKey, stills, frames, output, format: options.format, engine: options.engine };
}

/** The plan as `--explain` prints it: every node with its key, form, inputs, passes and what the render did. */
export function explain(p: Plan): string {
  const ref = new Map(p.nodes.map((n) => [n.key, `#${n.id}`]));
  const count = (s: NodeState): number => p.nodes.filter((n) => n.state === s).length;
  const size = p.output.width === null ? "" : ` ${p.output.width}x${p.output.height}`;
  const what = p.kind === "video" ? `video of ${p.frames.length} frames at ${p.fps} fps` : "image";
  const lines = [
    `plan: ${what}${size} -> ${p.format} on ${p.engine}; ${p.nodes.length} nodes: ${count("executed")} executed, ${count("cached")} cached, ${count("skipped")} not needed`,
  ];
  for (const n of p.nodes) {
    const inputs = n.kind === "output" ? summarize(n.inputs.map((k) => ref.get(k)!)) : n.inputs.map((k) => ref.get(k)!).join(" ");
    const passes = n.passes.length ? `  passes: ${n.passes.map((x) => `${x.kind}[${x.effects.join(" ")}]`).join(" + ")}` : "";
    const cid = n.cid ? `  ${n.cid}` : "";
    const ms = n.state === "executed" ? ` ${n.ms} ms` : "";
    lines.push(`  #${n.id} ${n.kind.padEnd(8)} ${n.key.slice(0, 16)}  ${n.state}${ms}${inputs ? `  <- ${inputs}` : ""}${passes}${cid}`);
    lines.push(`      ${n.form.length > 160 ? n.form.slice(0, 157) + "..." : n.form}`);
  }
  return lines.join("\n");
}

/** `#3 #3 #3 #4` as `#3 x3, #4`. */
function summarize(refs: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < refs.length; ) {
    let j = i;
    while (j < refs.length && refs[j] === refs[i]) j++;
    out.push(j - i > 1 ? `${refs[i]} x${j - i}` : refs[i]!);
    i = j;
  }
  return out.join(", ");
}
