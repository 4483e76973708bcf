/**
 * The WebGPU engine: Dawn through the `webgpu` npm package, on a real GPU
 * or on Mesa's lavapipe (software Vulkan) — the same code path.
 *
 * A chain is one command buffer: the input uploaded once, every stage a
 * compute dispatch (frames stay on the device between them), the result
 * read back once. A run of per-pixel and remap effects is ONE generated
 * kernel (wgsl.ts `fusedKernel`; the fusing rule is effects/fuse.ts's: each
 * group samples through its composed remaps — reading its 4 bilinear taps
 * from the previous group evaluated at those pixels — then applies its
 * per-pixel effects, so a remap after per-pixel effects needs no extra pass);
 * a neighbourhood effect gets its own passes (blur and bloom: two). Frames
 * are storage buffers of u32-packed RGBA (the frame's bytes as they are);
 * parameters go in a uniform buffer, so pipelines, cached by WGSL text, are
 * reused for any parameter values.
 */
import type { BlendMode, ChainOptions, EffectCall, Engine, Fit, Pass, Rgb } from "../engine.ts";
import { frame, type Frame } from "../frame.ts";
import { stagePasses, stagesOf, type Stage } from "../effects/fuse.ts";
import { num } from "../effects/resolve.ts";
import { EngineError, NoAdapterError, checkSize } from "./errors.ts";
import { checkCrop, checkFrame, checkMode, checkOpacity, checkRgb, resizeBox } from "./geometry.ts";
import { BLEND, BLOOM_V, CROP, NEIGHBOURHOOD3, RESIZE, SEPARABLE, SOURCE, WEIGHT_VEC4S, WORKGROUP, Words, bloomWords, fusedKernel, separableWords } from "./wgsl.ts";

/** GPUBufferUsage / GPUMapMode bits (the WebGPU spec's values), so this module needs no globals. */
const MAP_READ = 0x0001, COPY_SRC = 0x0004, COPY_DST = 0x0008, UNIFORM = 0x0040, STORAGE = 0x0080;
const MODE_READ = 0x0001;
/** GPUShaderStage.COMPUTE */
const COMPUTE = 0x4;

export interface WebGpuOptions {
  /** Dawn flags for `create` (e.g. `backend=vulkan`, `adapter=NAME`); default: none, or ROSE_RENDER_DAWN_FLAGS split on spaces. */
  readonly flags?: readonly string[];
}

/** One dispatch: a kernel, its uniform bytes, its buffers, the output size. */
interface Dispatch {
  readonly wgsl: string;
  readonly uniforms: Uint8Array;
  readonly src: GPUBuffer;
  readonly dst: GPUBuffer;
  readonly src2?: GPUBuffer;
  readonly width: number;
  readonly height: number;
}

class WebGpuEngine implements Engine {
  readonly name = "webgpu" as const;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  /** A 4-byte buffer bound where a kernel has no second input. */
  private readonly none: GPUBuffer;

  constructor(
    private gpu: GPU | null,
    private readonly device: GPUDevice,
    /** The adapter's description, e.g. `vulkan llvmpipe (LLVM 15.0.6, 256 bits)`. */
    readonly adapter: string,
  ) {
    const storage = (type: GPUBufferBindingType, binding: number): GPUBindGroupLayoutEntry => ({ binding, visibility: COMPUTE, buffer: { type } });
    this.layout = device.createBindGroupLayout({
      entries: [storage("read-only-storage", 0), storage("storage", 1), storage("uniform", 2), storage("read-only-storage", 3)],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.layout] });
    this.none = device.createBuffer({ size: 4, usage: STORAGE });
  }

  /** Pipelines compiled so far (one per distinct WGSL text). */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private async pipeline(wgsl: string): Promise<GPUComputePipeline> {
    const cached = this.pipelines.get(wgsl);
    if (cached) return cached;
    this.device.pushErrorScope("validation");
    const module = this.device.createShaderModule({ code: wgsl });
    const pipeline = this.device.createComputePipeline({ layout: this.pipelineLayout, compute: { module, entryPoint: "main" } });
    const error = await this.device.popErrorScope();
    if (error) {
      const info = await module.getCompilationInfo();
      const messages = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join("; ");
      throw new EngineError("gpu", `WGSL kernel failed to compile: ${error.message}${messages ? ` (${messages})` : ""}`);
    }
    this.pipelines.set(wgsl, pipeline);
    return pipeline;
  }

  /** Throws unless frames of these byte sizes fit this adapter's storage buffers (checked before any buffer is made). */
  private fits(...bytes: number[]): void {
    const max = this.device.limits.maxStorageBufferBindingSize;
    for (const b of bytes) {
      if (b > max) throw new EngineError("bad-size", `a frame of ${b} bytes is larger than this adapter's largest storage buffer (${max} bytes); use a smaller size or the CPU engine`);
    }
  }

  private buffer(bytes: number): GPUBuffer {
    this.fits(bytes);
    return this.device.createBuffer({ size: Math.max(4, bytes), usage: STORAGE | COPY_SRC | COPY_DST });
  }

  /** The engine's GPU work, one call at a time (error scopes are per device, so calls must not interleave). */
  private tail: Promise<unknown> = Promise.resolve();
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => {});
    return next;
  }

  private upload(f: Frame): GPUBuffer {
    const buf = this.buffer(f.data.length);
    this.device.queue.writeBuffer(buf, 0, f.data.buffer, f.data.byteOffset, f.data.length);
    return buf;
  }

  /** Encodes the dispatches in order (one compute pass), submits, reads `out` back as a width × height frame; destroys `owned` after. */
  private run(dispatches: readonly Dispatch[], out: GPUBuffer, width: number, height: number, owned: readonly GPUBuffer[]): Promise<Frame> {
    return this.exclusive(() => this.runNow(dispatches, out, width, height, owned));
  }

  private async runNow(dispatches: readonly Dispatch[], out: GPUBuffer, width: number, height: number, owned: readonly GPUBuffer[]): Promise<Frame> {
    const pipelines = await Promise.all(dispatches.map((d) => this.pipeline(d.wgsl)));
    const uniforms: GPUBuffer[] = [];
    const size = width * height * 4;
    const staging = this.device.createBuffer({ size, usage: MAP_READ | COPY_DST });
    this.device.pushErrorScope("validation");
    try {
      const encoder = this.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      dispatches.forEach((d, n) => {
        const u = this.device.createBuffer({ size: d.uniforms.length, usage: UNIFORM | COPY_DST });
        this.device.queue.writeBuffer(u, 0, d.uniforms.buffer, d.uniforms.byteOffset, d.uniforms.length);
        uniforms.push(u);
        pass.setPipeline(pipelines[n]!);
        pass.setBindGroup(
          0,
          this.device.createBindGroup({
            layout: this.layout,
            entries: [
              { binding: 0, resource: { buffer: d.src } },
              { binding: 1, resource: { buffer: d.dst } },
              { binding: 2, resource: { buffer: u } },
              { binding: 3, resource: { buffer: d.src2 ?? this.none } },
            ],
          }),
        );
        pass.dispatchWorkgroups(Math.ceil(d.width / WORKGROUP), Math.ceil(d.height / WORKGROUP));
      });
      pass.end();
      encoder.copyBufferToBuffer(out, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      const error = await this.device.popErrorScope();
      if (error) throw new EngineError("gpu", `WebGPU rejected the work: ${error.message}`);
      await staging.mapAsync(MODE_READ);
      const data = new Uint8Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return frame(width, height, data);
    } finally {
      staging.destroy();
      for (const b of [...uniforms, ...owned]) b.destroy();
    }
  }

  /** The dispatches of one chain stage from `src` (W × H); returns its output buffer. */
  private stage(stage: Stage, src: GPUBuffer, W: number, H: number, dispatches: Dispatch[], owned: GPUBuffer[]): GPUBuffer {
    const io = [W, H, W, H];
    const next = (): GPUBuffer => {
      const b = this.buffer(W * H * 4);
      owned.push(b);
      return b;
    };
    const add = (wgsl: string, words: Words, s: GPUBuffer, src2?: GPUBuffer, minVec4s = 1): GPUBuffer => {
      const dst = next();
      dispatches.push({ wgsl, uniforms: words.bytes(io, undefined, minVec4s), src: s, dst, ...(src2 ? { src2 } : {}), width: W, height: H });
      return dst;
    };
    if (stage.kind === "fused") {
      const { wgsl, words } = fusedKernel(stage, W, H);
      return add(wgsl, words, src);
    }
    const call = stage.call;
    switch (call.spec.name) {
      case "blur": {
        const r = num(call, "radius");
        const h = add(SEPARABLE, separableWords(r, 4, true, 0), src, undefined, WEIGHT_VEC4S);
        return add(SEPARABLE, separableWords(r, 4, false, 0), h, undefined, WEIGHT_VEC4S);
      }
      case "bloom": {
        const r = num(call, "radius");
        const h = add(SEPARABLE, separableWords(r, 3, true, num(call, "threshold") * 10000), src, undefined, WEIGHT_VEC4S);
        return add(BLOOM_V, bloomWords(r, num(call, "amount")), h, src, WEIGHT_VEC4S);
      }
      case "sharpen":
        return add(NEIGHBOURHOOD3, new Words().uint(0).float(num(call, "amount")), src);
      case "edge-detect":
        return add(NEIGHBOURHOOD3, new Words().uint(1), src);
      case "emboss":
        return add(NEIGHBOURHOOD3, new Words().uint(2), src);
    }
    throw new EngineError("gpu", `no kernel for neighbourhood effect ${call.spec.name}`);
  }

  async chain(input: Frame, effects: readonly EffectCall[], options: ChainOptions = {}): Promise<{ frame: Frame; passes: readonly Pass[] }> {
    checkFrame(input, "chain input");
    const stages = stagesOf(effects, options.fuse ?? true);
    const passes = stages.flatMap(stagePasses);
    if (!stages.length) return { frame: frame(input.width, input.height, input.data.slice()), passes };
    const { width: W, height: H } = input;
    this.fits(input.data.length);
    const first = this.upload(input);
    const owned: GPUBuffer[] = [first];
    const dispatches: Dispatch[] = [];
    let cur = first;
    for (const s of stages) cur = this.stage(s, cur, W, H, dispatches, owned);
    return { frame: await this.run(dispatches, cur, W, H, owned), passes };
  }

  private async source(width: number, height: number, words: Words): Promise<Frame> {
    checkSize(width, height);
    const dst = this.buffer(width * height * 4);
    return this.run([{ wgsl: SOURCE, uniforms: words.bytes([width, height, width, height], undefined, 2), src: this.none, dst, width, height }], dst, width, height, [dst]);
  }

  async solid(width: number, height: number, color: Rgb): Promise<Frame> {
    checkRgb(color);
    return this.source(width, height, new Words().uint(0).uint(color[0]).uint(color[1]).uint(color[2]));
  }

  async gradient(width: number, height: number, from: Rgb, to: Rgb): Promise<Frame> {
    checkRgb(from);
    checkRgb(to);
    const w = new Words().uint(1);
    for (const v of [...from, ...to]) w.uint(v);
    return this.source(width, height, w);
  }

  async noise(width: number, height: number, seed: number): Promise<Frame> {
    return this.source(width, height, new Words().uint(2).uint(seed));
  }

  /** Dispatch of `a` blended over the backdrop buffer (b's size). */
  private blendDispatch(a: GPUBuffer, aw: number, ah: number, b: GPUBuffer, bw: number, bh: number, dst: GPUBuffer, mode: number, opacity: number): Dispatch {
    return { wgsl: BLEND, uniforms: new Words().uint(mode).float(opacity).bytes([bw, bh, aw, ah]), src: a, src2: b, dst, width: bw, height: bh };
  }

  async blend(a: Frame, b: Frame, mode: BlendMode, opacity: number): Promise<Frame> {
    checkFrame(a, "blend source");
    checkFrame(b, "blend backdrop");
    checkOpacity(opacity);
    const m = checkMode(mode);
    this.fits(a.data.length, b.data.length);
    const ab = this.upload(a), bb = this.upload(b), dst = this.buffer(b.data.length);
    return this.run([this.blendDispatch(ab, a.width, a.height, bb, b.width, b.height, dst, m, opacity)], dst, b.width, b.height, [ab, bb, dst]);
  }

  async layer(frames: readonly Frame[]): Promise<Frame> {
    if (!frames.length) throw new EngineError("bad-input", "layer needs at least one frame");
    frames.forEach((f, i) => checkFrame(f, `layer ${i + 1}`));
    const base = frames[0]!;
    this.fits(...frames.map((f) => f.data.length));
    if (frames.length === 1) return frame(base.width, base.height, base.data.slice());
    let acc = this.upload(base);
    const owned: GPUBuffer[] = [acc];
    const dispatches: Dispatch[] = [];
    for (const f of frames.slice(1)) {
      const fb = this.upload(f), dst = this.buffer(base.data.length);
      owned.push(fb, dst);
      dispatches.push(this.blendDispatch(fb, f.width, f.height, acc, base.width, base.height, dst, 0, 1));
      acc = dst;
    }
    return this.run(dispatches, acc, base.width, base.height, owned);
  }

  async resize(input: Frame, width: number, height: number, fit: Fit): Promise<Frame> {
    checkFrame(input, "resize input");
    checkSize(width, height, "resize");
    const { cw, ch, ox, oy } = resizeBox(input.width, input.height, width, height, fit);
    this.fits(input.data.length, width * height * 4);
    const src = this.upload(input), dst = this.buffer(width * height * 4);
    const uniforms = new Words().float(input.width / cw).float(input.height / ch).bytes([width, height, input.width, input.height], [cw, ch, ox, oy]);
    return this.run([{ wgsl: RESIZE, uniforms, src, dst, width, height }], dst, width, height, [src, dst]);
  }

  async crop(input: Frame, x: number, y: number, width: number, height: number): Promise<Frame> {
    checkFrame(input, "crop input");
    checkCrop(input, x, y, width, height);
    this.fits(input.data.length);
    const src = this.upload(input), dst = this.buffer(width * height * 4);
    const uniforms = new Words().bytes([width, height, input.width, input.height], [x, y, 0, 0]);
    return this.run([{ wgsl: CROP, uniforms, src, dst, width, height }], dst, width, height, [src, dst]);
  }

  async dispose(): Promise<void> {
    if (!this.gpu) return;
    this.pipelines.clear();
    this.none.destroy();
    this.device.destroy();
    // dawn.node keeps the process alive while the object `create` returned is referenced.
    this.gpu = null;
  }
}

/**
 * A WebGPU engine on the first adapter Dawn finds (Vulkan on Linux: a GPU's
 * driver, else lavapipe). NoAdapterError when there is none (nor the
 * `webgpu` package's native binary), saying how to get one.
 */
export async function createWebGpuEngine(options: WebGpuOptions = {}): Promise<Engine & { readonly adapter: string; readonly pipelineCount: number }> {
  let webgpu: typeof import("webgpu");
  try {
    webgpu = await import("webgpu");
  } catch (e) {
    throw new NoAdapterError(`the webgpu package did not load: ${e instanceof Error ? e.message : String(e)}`);
  }
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(webgpu.globals)) if (!(k in g)) g[k] = v;
  const flags = options.flags ?? (process.env.ROSE_RENDER_DAWN_FLAGS ?? "").split(/\s+/).filter(Boolean);
  let gpu: GPU;
  let adapter: GPUAdapter | null;
  try {
    gpu = webgpu.create([...flags]);
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    throw new NoAdapterError(e instanceof Error ? e.message.split("\n").join("; ") : String(e));
  }
  if (!adapter) throw new NoAdapterError();
  const info = adapter.info;
  const label = [info.description, info.vendor, info.architecture, info.device].filter(Boolean).join(" ") || "unknown adapter";
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize, maxBufferSize: limits.maxBufferSize },
  });
  return new WebGpuEngine(gpu, device, label);
}

/** The same, by the name the renderer imports. */
export const webgpuEngine = createWebGpuEngine;
