/**
 * Rendering a recipe: read -> plan -> walk -> encode -> store.
 *
 * The walk is the executor's, for media: the executor's `Leaves` hold one
 * leaf executor per media node kind (registered here, as the HTML hosts
 * register theirs), and its `Trace` records each node as it is resolved
 * (hit or ran, with the time). It is a walk of its own beside the
 * executor's page walk (`Executor.resolvePage`), not that walk, because
 * the page walk is shaped by pages: routes and pointers, shared and
 * per-visitor parts, holes filled per request, I/O through the resolver,
 * HTML strings in its result store. A media DAG has none of that: its
 * nodes are pure functions of their inputs' pixels, its results are frames
 * stored as PNG by CID, and its shape is known before anything runs. The
 * walk keeps the executor's rules all the same: a node is looked up by its
 * Merkle key first and executed only when nothing is kept under it.
 *
 * Demand-driven, from the output down: a node whose key has a known CID is
 * loaded (from memory, else its PNG from the store, verified) and its
 * inputs are not visited; only what is missing is computed, and stored.
 * So the same recipe twice renders once (the second time the output is
 * found), and a change to one node re-executes that node and what depends
 * on it. A video's frames are produced in order, handed to the encoder as
 * it asks for them, and a frame no later frame needs is let go.
 */
import { Leaves, Trace, type TraceNode } from "@rose-ash/executor";
import type { Engine, Pass } from "./engine.ts";
import type { Frame } from "./frame.ts";
import { decodePng, encodePng, isPng } from "./encode/png.ts";
import { encode, encoderId, type Format } from "./encode/index.ts";
import { plan as makePlan, type Plan, type PlanNode } from "./plan.ts";
import { RecipeError, readRecipe, type Recipe } from "./recipe/read.ts";
import { rgb } from "./recipe/params.ts";
import type { Still } from "./recipe/values.ts";
import { LIMITS } from "./recipe/limits.ts";
import { ContentMismatchError, type MediaStore } from "./store.ts";
import { frame as makeFrame } from "./frame.ts";
import type { BlendMode, Fit } from "./engine.ts";
import sharp from "sharp";

export interface Progress {
  readonly stage: "read" | "plan" | "render" | "encode" | "store" | "done";
  readonly done: number;
  readonly total: number;
}

export interface RenderOptions {
  /** The recipe's file name, for positions (default `<recipe>`). */
  readonly src?: string;
  readonly engine: Engine;
  readonly format: Format;
  readonly store: MediaStore;
  readonly onProgress?: (p: Progress) => void;
  /**
   * Keep every node's frame in the store (the default), so a change
   * re-executes only what it touches; false keeps only the output (a long
   * video's intermediate frames cost a PNG encode each).
   */
  readonly cacheNodes?: boolean;
}

export interface RenderResult {
  /** The output's CID, what `ipfs add --cid-version 1 --raw-leaves` prints for `bytes`. */
  readonly cid: string;
  readonly bytes: Uint8Array;
  readonly format: Format;
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly fps: number;
  /** Nodes computed in this render (the output's encoding included). */
  readonly executed: number;
  /** Nodes answered from what was kept. */
  readonly cached: number;
  readonly plan: readonly PlanNode[];
  /** The whole plan (for `explain`). */
  readonly planned: Plan;
  readonly trace: Trace;
  /** The pinning service's answer for a new output, when one is configured (null for a cached one); its failure does not fail the render. */
  readonly pin: { readonly status: string } | { readonly error: string } | null;
}

/** What a media leaf is given: the node, the still it stands for, its inputs' frames, and the engine. */
export interface MediaJob {
  readonly node: PlanNode;
  readonly still: Still;
  readonly inputs: readonly Frame[];
  readonly engine: Engine;
  readonly store: MediaStore;
}

export interface MediaOut {
  readonly frame: Frame;
  readonly passes?: readonly Pass[];
}

const str = (v: unknown): string => v as string;
const num = (v: unknown): number => v as number;

/** The leaf executors of the media node kinds, registered with the executor's `Leaves`. */
export function mediaLeaves(): Leaves {
  const leaves = new Leaves();
  const leaf = (kind: string, execute: (job: MediaJob) => Promise<MediaOut>): void => void leaves.register<MediaJob, MediaOut>({ kind, execute });
  const p = (j: MediaJob) => j.still.params;
  leaf("solid", async (j) => ({ frame: await j.engine.solid(num(p(j).width), num(p(j).height), rgb(str(p(j).color))) }));
  leaf("gradient", async (j) => ({ frame: await j.engine.gradient(num(p(j).width), num(p(j).height), rgb(str(p(j).from)), rgb(str(p(j).to))) }));
  leaf("noise", async (j) => ({ frame: await j.engine.noise(num(p(j).width), num(p(j).height), num(p(j).seed)) }));
  leaf("asset", async (j) => ({ frame: await loadAsset(j.store, str(p(j).cid)) }));
  leaf("chain", async (j) => {
    const out = await j.engine.chain(j.inputs[0]!, j.still.effects);
    return { frame: out.frame, passes: out.passes };
  });
  leaf("blend", async (j) => ({ frame: await j.engine.blend(j.inputs[0]!, j.inputs[1]!, str(p(j).mode) as BlendMode, num(p(j).opacity)) }));
  leaf("layer", async (j) => ({ frame: await j.engine.layer(j.inputs) }));
  leaf("resize", async (j) => ({ frame: await j.engine.resize(j.inputs[0]!, num(p(j).width), num(p(j).height), str(p(j).fit) as Fit) }));
  leaf("crop", async (j) => {
    const [x, y, w, h] = [num(p(j).x), num(p(j).y), num(p(j).width), num(p(j).height)];
    const input = j.inputs[0]!;
    if (x + w > input.width || y + h > input.height) throw new Error(`crop ${w}x${h} at ${x},${y} is outside the ${input.width}x${input.height} image`);
    return { frame: await j.engine.crop(input, x, y, w, h) };
  });
  return leaves;
}

/** An asset's bytes (verified against its CID by the store) as a frame: PNG through fast-png, other images through sharp. */
async function loadAsset(store: MediaStore, cid: string): Promise<Frame> {
  const bytes = await store.get(cid);
  if (!bytes) throw new Error(`asset ${cid}: not in the store (put it there first, or configure a gateway)`);
  let f: Frame;
  if (isPng(bytes)) {
    try {
      f = decodePng(bytes);
    } catch {
      f = await decodeOther(bytes, cid);
    }
  } else f = await decodeOther(bytes, cid);
  if (f.width > LIMITS.maxSide || f.height > LIMITS.maxSide || f.width * f.height > LIMITS.maxPixels) throw new Error(`asset ${cid} is ${f.width}x${f.height}, above the limits (${LIMITS.maxSide} a side, ${LIMITS.maxPixels} pixels)`);
  return f;
}

async function decodeOther(bytes: Uint8Array, cid: string): Promise<Frame> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: LIMITS.maxPixels }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return makeFrame(info.width, info.height, new Uint8Array(data));
  } catch (e) {
    throw new Error(`asset ${cid} is not an image that can be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
}

const leaves = mediaLeaves();

export type Backend = "webgpu" | "cpu";

/**
 * An engine: the one asked for, or (none asked for) WebGPU when an adapter
 * is found, else the CPU engine; `why` says which and why, for stderr.
 */
export async function openEngine(backend: Backend | null = null): Promise<{ engine: Engine; why: string }> {
  if (backend !== "cpu") {
    try {
      const { webgpuEngine } = await import("./engines/webgpu.ts");
      const engine = await webgpuEngine();
      return { engine, why: `backend webgpu on ${engine.adapter}${backend ? "" : " (an adapter was found)"}` };
    } catch (e) {
      if (backend === "webgpu") throw new Error(`the webgpu backend is not available: ${e instanceof Error ? e.message : String(e)}`);
      const { cpuEngine } = await import("./engines/cpu.ts");
      return { engine: cpuEngine(), why: `backend cpu, as WebGPU is not available: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  const { cpuEngine } = await import("./engines/cpu.ts");
  return { engine: cpuEngine(), why: "backend cpu" };
}

/** Read and plan a recipe without running it: what the service keys a job by (`plan.output.key`). */
export async function planRecipe(source: string, options: { src?: string; engine: string; format: Format }): Promise<{ recipe: Recipe; plan: Plan }> {
  const recipe = readRecipe(source, options.src !== undefined ? { src: options.src } : {});
  const p = makePlan(recipe, { engine: options.engine, format: options.format, encoder: await encoderId(options.format) });
  return { recipe, plan: p };
}

export async function renderRecipe(source: string, options: RenderOptions): Promise<RenderResult> {
  const { engine, store, format } = options;
  const progress = options.onProgress ?? (() => {});
  progress({ stage: "read", done: 0, total: 1 });
  const { recipe, plan } = await planRecipe(source, { ...(options.src !== undefined ? { src: options.src } : {}), engine: engine.name, format });
  progress({ stage: "plan", done: 1, total: 1 });
  const walk = new MediaWalk(plan, recipe, engine, store, options.cacheNodes ?? true);
  const result = await walk.run(progress);
  let pin: RenderResult["pin"] = null;
  // Pinned when made: a cached output was pinned when it was made (the API makes a new request per POST).
  if (store.pinning && plan.output.state === "executed") {
    try {
      const status = await store.pin(result.cid);
      pin = status ? { status: status.status } : null;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      console.warn(`rose-render: pinning ${result.cid} failed: ${error}`);
      pin = { error };
    }
  }
  progress({ stage: "done", done: 1, total: 1 });
  const count = (s: string): number => plan.nodes.filter((n) => n.state === s).length;
  return {
    cid: result.cid,
    bytes: result.bytes,
    format,
    width: result.width,
    height: result.height,
    frames: plan.frames.length,
    fps: plan.fps,
    executed: count("executed"),
    cached: count("cached"),
    plan: plan.nodes,
    planned: plan,
    trace: walk.trace,
    pin,
  };
}

/** One render's walk over a plan (see the head of this file). */
class MediaWalk {
  readonly trace = new Trace();
  private readonly memo = new Map<string, Promise<Frame>>();
  /** The last frame (index) that needs each node. */
  private readonly lastUse = new Map<string, number>();

  constructor(
    private readonly plan: Plan,
    private readonly recipe: Recipe,
    private readonly engine: Engine,
    private readonly store: MediaStore,
    private readonly cacheNodes: boolean,
  ) {
    plan.frames.forEach((root, i) => {
      const stack = [root];
      const seen = new Set<string>();
      while (stack.length) {
        const k = stack.pop()!;
        if (seen.has(k)) continue;
        seen.add(k);
        this.lastUse.set(k, i);
        stack.push(...plan.byKey.get(k)!.inputs);
      }
    });
  }

  async run(progress: (p: Progress) => void): Promise<{ cid: string; bytes: Uint8Array; width: number; height: number }> {
    const out = this.plan.output;
    const t = this.trace.start("output", out.form, null, out.key);
    const started = Date.now();
    const known = await this.store.lookup(out.key);
    if (known) {
      const bytes = await this.load(known);
      if (bytes) {
        out.state = "cached";
        out.cid = known;
        for (const n of this.plan.nodes) if (n.state === "planned") n.state = "skipped";
        this.trace.finish(t, "hit", "store");
        const size = await this.outputSize(bytes);
        return { cid: known, bytes, ...size };
      }
    }
    const total = this.plan.frames.length;
    let width = 0;
    let height = 0;
    const first = await this.frameAt(0, total, progress);
    width = first.width;
    height = first.height;
    const self = this;
    async function* frames(): AsyncGenerator<Frame> {
      yield first;
      for (let i = 1; i < total; i++) {
        const f = await self.frameAt(i, total, progress);
        if (f.width !== width || f.height !== height) throw self.problem(`frame ${i} is ${f.width}x${f.height} and frame 0 ${width}x${height}: every frame of a video has one size`);
        yield f;
      }
    }
    progress({ stage: "encode", done: 0, total: 1 });
    let bytes: Uint8Array;
    const root = this.plan.byKey.get(this.plan.frames[0]!)!;
    try {
      // A still PNG is the root node's own stored PNG: the same bytes, encoded once.
      bytes = this.plan.format === "png" && total === 1 && this.rootPng?.key === root.key ? this.rootPng.bytes : await encode(this.plan.format, { width, height, fps: this.plan.fps, count: total, frames: frames() });
    } catch (e) {
      this.trace.finish(t, "failed", "render");
      out.state = "failed";
      throw e instanceof RecipeError ? e : this.problem(e instanceof Error ? e.message : String(e));
    }
    progress({ stage: "store", done: 0, total: 1 });
    const cid = await this.store.put(bytes);
    await this.store.remember(out.key, cid);
    out.state = "executed";
    out.cid = cid;
    out.ms = Date.now() - started - this.frameMs;
    this.trace.finish(t, "ran", "render");
    for (const n of this.plan.nodes) if (n.state === "planned") n.state = "skipped";
    return { cid, bytes, width, height };
  }

  /** The PNG of the last root computed here (a still's output when the format is PNG). */
  private rootPng: { key: string; bytes: Uint8Array } | null = null;

  /** Time spent making frames while the output waited for them (not the output's own time). */
  private frameMs = 0;

  private async frameAt(i: number, total: number, progress: (p: Progress) => void): Promise<Frame> {
    const began = Date.now();
    const f = await this.frame(this.plan.frames[i]!);
    this.frameMs += Date.now() - began;
    // Let go of what no later frame needs.
    for (const [k, last] of this.lastUse) if (last <= i && this.memo.has(k)) this.memo.delete(k);
    progress({ stage: "render", done: i + 1, total });
    return f;
  }

  private frame(key: string): Promise<Frame> {
    let p = this.memo.get(key);
    if (!p) {
      p = this.resolve(key);
      this.memo.set(key, p);
    }
    return p;
  }

  private async resolve(key: string): Promise<Frame> {
    const node = this.plan.byKey.get(key)!;
    const t: TraceNode = this.trace.start(node.kind, node.form, null, key);
    const kept = this.store.frames.get(key);
    const cid = await this.store.lookup(key);
    if (cid) {
      const f = kept ?? (await this.loadFrame(cid));
      if (f) {
        node.state = "cached";
        node.cid = cid;
        this.store.frames.set(key, f);
        this.trace.finish(t, "hit", kept ? "memory" : "store");
        return f;
      }
    }
    const inputs = await Promise.all(node.inputs.map((k) => this.frame(k)));
    // Its own time, not its inputs'.
    const started = Date.now();
    let out: MediaOut;
    try {
      out = await leaves.get<MediaJob, MediaOut>(node.kind).execute({ node, still: this.plan.stills.get(key)!, inputs, engine: this.engine, store: this.store });
    } catch (e) {
      node.state = "failed";
      this.trace.finish(t, "failed", "render");
      throw this.problem(e instanceof Error ? e.message : String(e), node.kind === "asset" ? str(this.plan.stills.get(key)!.params.cid) : null);
    }
    if (out.passes) node.passes = out.passes;
    if (out.frame.width > LIMITS.maxSide || out.frame.height > LIMITS.maxSide || out.frame.width * out.frame.height > LIMITS.maxPixels) throw this.problem(`${node.kind} made a ${out.frame.width}x${out.frame.height} frame, above the limits`);
    node.state = "executed";
    node.ms = Date.now() - started;
    this.trace.finish(t, "ran", "render");
    this.store.frames.set(key, out.frame);
    if (this.cacheNodes || this.plan.frames.includes(key)) {
      const png = encodePng(out.frame);
      node.cid = await this.store.put(png);
      await this.store.remember(key, node.cid);
      if (key === this.plan.frames[0]) this.rootPng = { key, bytes: png };
    }
    return out.frame;
  }

  /** Bytes kept under a CID, or null when they are gone or damaged (then the node is computed again). */
  private async load(cid: string): Promise<Uint8Array | null> {
    try {
      return await this.store.get(cid);
    } catch (e) {
      if (e instanceof ContentMismatchError) {
        console.warn(`rose-render: ${e.message}; computing it again`);
        return null;
      }
      throw e;
    }
  }

  private async loadFrame(cid: string): Promise<Frame | null> {
    const bytes = await this.load(cid);
    return bytes ? decodePng(bytes) : null;
  }

  private async outputSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
    const o = this.plan.output;
    if (o.width !== null && o.height !== null) return { width: o.width, height: o.height };
    if (isPng(bytes)) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return { width: view.getUint32(16), height: view.getUint32(20) };
    }
    const meta = await sharp(bytes).metadata().catch(() => null);
    return { width: meta?.width ?? 0, height: meta?.pageHeight ?? meta?.height ?? 0 };
  }

  /** A failure while rendering, as a positioned problem: at the asset's CID when it is about one, else at the recipe. */
  private problem(message: string, asset: string | null = null): RecipeError {
    const at = (asset !== null ? this.recipe.assets.get(asset) : undefined) ?? this.recipe.at;
    return new RecipeError([{ loc: at, message }]);
  }
}
