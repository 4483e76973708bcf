/**
 * The render service: recipes in over HTTP (signed by the edge), jobs on a
 * bounded queue, outputs served by CID.
 *
 * - `POST /jobs` `{"recipe", "format"?, "name"?, "callback"?}`, signed as the
 *   edge's content webhook (signature.ts): 202 `{id, status}` where the id is
 *   the recipe's key (its plan's output key for that format and engine), so
 *   the same recipe again is the same job (200 once it is done; found again
 *   from the store's key -> CID cache after a restart). Refusals: 401 (no or
 *   stale timestamp, bad signature), 409 (a signature seen before), 413 (body
 *   too large), 400 (not JSON, bad fields, or a recipe with problems: each at
 *   its line and column), 501 (a format this machine cannot encode), 503
 *   (queue full, with Retry-After; or no secret configured).
 * - `GET /jobs/<id>`: `{id, state, stage, progress: {done, total}, cid?, url?, error?}`;
 *   progress counts frames.
 * - `GET /ipfs/<cid>`: the bytes, verified against the CID by the store; ETag
 *   the CID; byte ranges (video elements ask for them).
 * - `GET /health`.
 *
 * Jobs live in memory (the store, and so every finished output, survives a
 * restart). Nothing a request sends can stop the service: every failure is an
 * answer without a stack trace and one line in the log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseCid } from "@rose-ash/content";
import type { Engine } from "../engine.ts";
import { FORMATS, FfmpegMissingError, type Format } from "../encode/index.ts";
import { RecipeError, problemText, type RecipeProblem } from "../recipe/read.ts";
import { checkFormat } from "../edge/recipe.ts";
import { planRecipe, renderRecipe, type Progress } from "../render.ts";
import { ContentMismatchError, type MediaStore } from "../store.ts";
import { callbackUrl, deliverCallback } from "./callback.ts";
import { byteRange, fail, json, oneLine, readBody } from "./http.ts";
import { freshTimestamp, mediaTypeOf, verifySignature } from "@rose-ash/content";
import { ReplayGuard } from "./signature.ts";

export type JobState = "queued" | "running" | "done" | "failed";
export type JobStage = "queued" | Progress["stage"];

export interface PositionedError {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** What `GET /jobs/<id>` answers (and a callback carries). */
export interface JobStatus {
  readonly id: string;
  readonly state: JobState;
  readonly stage: JobStage;
  /** Frames rendered of the frames the recipe has. */
  readonly progress: { readonly done: number; readonly total: number };
  readonly format: Format;
  readonly name?: string;
  readonly cid?: string;
  readonly url?: string;
  readonly width?: number;
  readonly height?: number;
  readonly frames?: number;
  /** Plan nodes computed by this job's render, and found cached. */
  readonly executed?: number;
  readonly cached?: number;
  readonly ms?: number;
  readonly error?: string;
  readonly errors?: readonly PositionedError[];
}

interface Job {
  readonly id: string;
  readonly source: string;
  readonly format: Format;
  readonly frames: number;
  state: JobState;
  stage: JobStage;
  done: number;
  cid: string | null;
  width: number | null;
  height: number | null;
  executed: number | null;
  cached: number | null;
  ms: number | null;
  error: string | null;
  errors: readonly PositionedError[] | null;
  /** The latest name asked for (callbacks carry their own). */
  name: string | null;
  /** Where to POST the result, once each, with the name it was asked with. */
  callbacks: Map<string, string | null>;
}

export interface RenderServiceOptions {
  readonly engine: Engine;
  readonly store: MediaStore;
  /** The shared secret (`RENDER_SECRET`); without one `POST /jobs` answers 503. */
  readonly secret: string | null;
  /** Renders at once (default 1). */
  readonly concurrency?: number;
  /** Jobs waiting (not running) before `POST /jobs` answers 503 (default 32). */
  readonly queueMax?: number;
  /** The largest `POST /jobs` body in bytes (default 256 KiB). */
  readonly maxBodyBytes?: number;
  /** Finished jobs remembered in memory (default 1000; older done jobs are found again from the store). */
  readonly keepJobs?: number;
  readonly callback?: { readonly attempts?: number; readonly backoffMs?: number; readonly timeoutMs?: number; readonly fetcher?: typeof fetch };
  /** Keep every plan node's frame in the store (default true): see RenderOptions.cacheNodes. */
  readonly cacheNodes?: boolean;
  /** One line per event (default: console.log / console.error). */
  readonly log?: (line: string) => void;
  readonly logError?: (line: string) => void;
  /** Each job's status as it changes (tests, metrics). */
  readonly onStatus?: (status: JobStatus) => void;
}

export const DEFAULTS = { concurrency: 1, queueMax: 32, maxBodyBytes: 256 * 1024, keepJobs: 1000 } as const;

const KEY = /^[0-9a-f]{16,128}$/;
const NAME_MAX = 200;

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: readonly PositionedError[] | null = null,
  ) {
    super(message);
  }
}

export class RenderService {
  readonly server: Server;
  readonly stats = { accepted: 0, rejected: 0, renders: 0, done: 0, failed: 0, executedNodes: 0, callbacks: 0, callbacksFailed: 0 };
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private readonly finished: string[] = [];
  private readonly replays = new ReplayGuard();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly idleWaiters: (() => void)[] = [];
  private running = 0;
  /** Recent render times (ms), for Retry-After. */
  private averageMs = 2000;
  private readonly concurrency: number;
  private readonly queueMax: number;
  private readonly maxBodyBytes: number;
  private readonly keepJobs: number;
  private readonly log: (line: string) => void;
  private readonly logError: (line: string) => void;

  constructor(private readonly options: RenderServiceOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULTS.concurrency);
    this.queueMax = Math.max(0, options.queueMax ?? DEFAULTS.queueMax);
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
    this.keepJobs = Math.max(1, options.keepJobs ?? DEFAULTS.keepJobs);
    this.log = options.log ?? ((line) => console.log(`render-service: ${line}`));
    this.logError = options.logError ?? ((line) => console.error(`render-service: ${line}`));
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("clientError", (e, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      else socket.destroy();
      if ((e as NodeJS.ErrnoException).code !== "ECONNRESET") this.logError(`bad request from a client: ${oneLine(e)}`);
    });
  }

  /** Listen; the address actually bound (port 0: a free one). */
  listen(port: number, host?: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stop listening and let go of connections (running renders finish on their own). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Resolves when nothing is queued, running or being called back. */
  idle(): Promise<void> {
    if (!this.waiting.length && !this.running && !this.pending.size) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get queued(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://render.invalid");
      const path = url.pathname;
      const method = req.method ?? "GET";
      if (path === "/jobs") {
        if (method !== "POST") return fail(res, 405, "POST /jobs", {}, { allow: "POST" });
        return await this.postJob(req, res);
      }
      const read = method === "GET" || method === "HEAD";
      if (path === "/health") {
        if (!read) return fail(res, 405, "GET /health", {}, { allow: "GET, HEAD" });
        return json(res, 200, this.health());
      }
      let m = /^\/jobs\/([^/]+)$/.exec(path);
      if (m) {
        if (!read) return fail(res, 405, "GET /jobs/<id>", {}, { allow: "GET, HEAD" });
        return await this.getJob(decoded(m[1]!), res);
      }
      m = /^\/ipfs\/([^/]+)\/?$/.exec(path);
      if (m) {
        if (!read) return fail(res, 405, "GET /ipfs/<cid>", {}, { allow: "GET, HEAD" });
        return await this.getContent(decoded(m[1]!), req, res);
      }
      return fail(res, 404, `no such route: ${method} ${path.slice(0, 200)} (POST /jobs, GET /jobs/<id>, GET /ipfs/<cid>, GET /health)`);
    } catch (e) {
      this.logError(`${req.method} ${(req.url ?? "").slice(0, 200)} failed: ${oneLine(e)}`);
      if (!res.headersSent) fail(res, 500, "internal error");
      else res.destroy();
    }
  }

  health(): Record<string, unknown> {
    return {
      ok: true,
      backend: this.options.engine.name,
      queued: this.waiting.length,
      running: this.running,
      concurrency: this.concurrency,
      queueMax: this.queueMax,
      jobs: this.jobs.size,
      signed: this.options.secret !== null,
      stats: this.stats,
    };
  }

  // ---- POST /jobs ----

  private async postJob(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, error: string, extra: Record<string, unknown> = {}, headers: Record<string, string | number> = {}): void => {
      this.stats.rejected++;
      this.log(`POST /jobs refused ${status}: ${oneLine(error)}`);
      fail(res, status, error, extra, headers);
    };
    const secret = this.options.secret;
    if (!secret) return refuse(503, "The render service has no RENDER_SECRET: it takes no jobs");
    // In the edge's order: the timestamp, the body's size, the signature, then a replay.
    const timestamp = header(req, "x-rose-timestamp");
    const signature = header(req, "x-rose-signature");
    if (!freshTimestamp(timestamp)) return refuse(401, "Stale or missing x-rose-timestamp");
    const body = await readBody(req, this.maxBodyBytes);
    if (body === null) return refuse(413, `The body is larger than ${this.maxBodyBytes} bytes`, {}, { connection: "close" });
    if (!(await verifySignature(secret, timestamp, body, signature))) return refuse(401, "Bad x-rose-signature");
    if (!this.replays.firstUse(signature, timestamp)) return refuse(409, "Replayed request refused");

    let job: Job;
    let created: boolean;
    try {
      ({ job, created } = await this.submit(body));
    } catch (e) {
      if (e instanceof BadRequest) return refuse(e.status, e.message, e.errors ? { errors: e.errors } : {}, e.status === 503 ? { "retry-after": this.retryAfter() } : {});
      throw e;
    }
    this.stats.accepted++;
    const status = this.status(job);
    json(res, job.state === "done" ? 200 : 202, { ...status, status: `/jobs/${job.id}` });
    if (created) this.log(`job ${job.id.slice(0, 16)} ${job.state === "done" ? "found in the store" : "queued"} (${job.format}, ${job.frames} frame${job.frames === 1 ? "" : "s"}${job.name ? `, ${job.name}` : ""})`);
    this.pump();
  }

  private async submit(body: string): Promise<{ job: Job; created: boolean }> {
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      throw new BadRequest(400, 'The body is JSON: {"recipe": "<s-expression>", "format"?: "png", "name"?: "...", "callback"?: "https://..."}');
    }
    if (typeof input !== "object" || input === null || Array.isArray(input)) throw new BadRequest(400, 'The body is a JSON object: {"recipe": "<s-expression>", ...}');
    const fields = input as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !["recipe", "format", "name", "callback"].includes(k));
    if (unknown.length) throw new BadRequest(400, `Unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(", ")}: the fields are recipe, format, name, callback`);
    const { recipe: source, format: asked, name, callback } = fields;
    if (typeof source !== "string" || !source.trim()) throw new BadRequest(400, '"recipe" is the recipe\'s s-expression text');
    if (asked !== undefined && (typeof asked !== "string" || !(FORMATS as readonly string[]).includes(asked))) throw new BadRequest(400, `"format" is one of ${FORMATS.join(", ")}`);
    if (name !== undefined && (typeof name !== "string" || !name || name.length > NAME_MAX || /[\u0000-\u001f]/.test(name))) throw new BadRequest(400, `"name" is a string of 1 to ${NAME_MAX} characters without control characters`);
    let hook: string | null = null;
    if (callback !== undefined) {
      const u = callbackUrl(callback);
      if (!u) throw new BadRequest(400, '"callback" is an http(s) URL');
      hook = u.href;
    }

    // The recipe: read (every problem with its position), then planned: its key is the job's id.
    let id: string;
    let frames: number;
    let format: Format;
    let width: number | null;
    let height: number | null;
    try {
      // Keyed exactly as renderRecipe keys its output (planRecipe); a video without a format is an mp4.
      const engine = this.options.engine.name;
      let { recipe, plan: p } = await planRecipe(source, { src: "recipe", engine, format: (asked as Format | undefined) ?? "png" });
      if (asked === undefined && recipe.kind === "video") ({ recipe, plan: p } = await planRecipe(source, { src: "recipe", engine, format: "mp4" }));
      format = p.format;
      checkFormat(recipe, format);
      ({ key: id, width, height } = p.output);
      frames = p.frames.length;
    } catch (e) {
      if (e instanceof RecipeError) throw new BadRequest(400, e.problems.map(problemText).join("\n"), positioned(e.problems));
      if (e instanceof FfmpegMissingError) throw new BadRequest(501, `This service cannot encode ${String(asked ?? "mp4")}: ${e.message}`);
      throw e;
    }

    let job = this.jobs.get(id);
    let created = false;
    if (!job) {
      // Done before (another process, or let go from memory): the store knows the key's CID.
      const known = await this.options.store.lookup(id);
      const stored = known !== null && (await this.options.store.has(known));
      // The same recipe may have arrived while the store was asked.
      job = this.jobs.get(id);
      if (!job) {
        if (stored) {
          job = this.newJob(id, source, format, frames, { state: "done", stage: "done", done: frames, cid: known, width, height, executed: 0, cached: 1 });
          this.finish(job);
        } else {
          if (this.full()) throw new BadRequest(503, `The queue is full (${this.queueMax} jobs waiting): try again later`);
          job = this.newJob(id, source, format, frames, {});
          this.waiting.push(job);
        }
        this.jobs.set(id, job);
        created = true;
      }
    } else if (job.state === "failed") {
      // Asked again after a failure: try again (it may have been the machine, or an asset that has since arrived).
      if (this.full()) throw new BadRequest(503, `The queue is full (${this.queueMax} jobs waiting): try again later`);
      Object.assign(job, { state: "queued", stage: "queued", done: 0, error: null, errors: null });
      this.waiting.push(job);
      this.forgetFinished(id);
      created = true;
    }
    if (typeof name === "string") job.name = name;
    if (hook && !job.callbacks.has(hook)) {
      job.callbacks.set(hook, typeof name === "string" ? name : null);
      // Finished already: its result goes to the new callback now.
      if (job.state === "done") this.callBack(job, hook);
    }
    return { job, created };
  }

  private newJob(id: string, source: string, format: Format, frames: number, fields: Partial<Job>): Job {
    return {
      id,
      source,
      format,
      frames,
      state: "queued",
      stage: "queued",
      done: 0,
      cid: null,
      width: null,
      height: null,
      executed: null,
      cached: null,
      ms: null,
      error: null,
      errors: null,
      name: null,
      callbacks: new Map(),
      ...fields,
    };
  }

  /** Whether another job would wait beyond `queueMax` (a free runner takes one at once). */
  private full(): boolean {
    return this.waiting.length >= this.queueMax + Math.max(0, this.concurrency - this.running);
  }

  private retryAfter(): number {
    return Math.min(300, Math.max(1, Math.ceil((this.averageMs * (this.waiting.length + this.running)) / this.concurrency / 1000)));
  }

  // ---- the queue ----

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        this.checkIdle();
      });
    }
    this.checkIdle();
  }

  private async run(job: Job): Promise<void> {
    const started = Date.now();
    job.state = "running";
    job.stage = "read";
    this.stats.renders++;
    this.changed(job);
    try {
      const result = await renderRecipe(job.source, {
        src: "recipe",
        engine: this.options.engine,
        format: job.format,
        store: this.options.store,
        ...(this.options.cacheNodes !== undefined ? { cacheNodes: this.options.cacheNodes } : {}),
        onProgress: (p) => {
          job.stage = p.stage;
          if (p.stage === "render") job.done = p.done;
          this.changed(job);
        },
      });
      if (result.cid && result.planned.output.key !== job.id) this.logError(`job ${job.id.slice(0, 16)}: the render's key ${result.planned.output.key.slice(0, 16)} is not the job's`);
      Object.assign(job, {
        state: "done",
        stage: "done",
        done: job.frames,
        cid: result.cid,
        width: result.width,
        height: result.height,
        executed: result.executed,
        cached: result.cached,
        ms: Date.now() - started,
      });
      this.stats.done++;
      this.stats.executedNodes += result.executed;
      this.averageMs = 0.7 * this.averageMs + 0.3 * job.ms!;
      this.log(`job ${job.id.slice(0, 16)} done in ${job.ms} ms: ${result.cid} (${job.format} ${result.width}x${result.height}, ${result.frames} frame${result.frames === 1 ? "" : "s"}, ${result.executed} nodes executed, ${result.cached} cached)`);
    } catch (e) {
      job.state = "failed";
      job.ms = Date.now() - started;
      if (e instanceof RecipeError) {
        job.error = e.problems.map(problemText).join("\n");
        job.errors = positioned(e.problems);
      } else job.error = oneLine(e);
      this.stats.failed++;
      this.logError(`job ${job.id.slice(0, 16)} failed at ${job.stage}: ${oneLine(job.error)}`);
    }
    this.finish(job);
    this.changed(job);
    for (const url of job.callbacks.keys()) this.callBack(job, url);
  }

  /** A finished job is remembered among the latest `keepJobs`; the oldest is let go (the store still knows a done one). */
  private finish(job: Job): void {
    this.forgetFinished(job.id);
    this.finished.push(job.id);
    while (this.finished.length > this.keepJobs) {
      const old = this.finished.shift()!;
      const j = this.jobs.get(old);
      if (j && (j.state === "done" || j.state === "failed")) this.jobs.delete(old);
    }
  }

  private forgetFinished(id: string): void {
    const i = this.finished.indexOf(id);
    if (i >= 0) this.finished.splice(i, 1);
  }

  private callBack(job: Job, url: string): void {
    const name = job.callbacks.get(url) ?? null;
    const payload = { ...this.status(job), ...(name !== null ? { name } : {}) };
    const p = deliverCallback(url, payload, { secret: this.options.secret!, ...this.options.callback, log: (line) => this.logError(`job ${job.id.slice(0, 16)}: ${line}`) }).then(
      (outcome) => {
        if (outcome.delivered) {
          this.stats.callbacks++;
          this.log(`job ${job.id.slice(0, 16)}: callback ${url} delivered (attempt ${outcome.attempts})`);
        } else {
          this.stats.callbacksFailed++;
          this.logError(`job ${job.id.slice(0, 16)}: callback ${url} given up after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}`);
        }
      },
      (e) => this.logError(`job ${job.id.slice(0, 16)}: callback ${url}: ${oneLine(e)}`),
    );
    this.pending.add(p);
    void p.finally(() => {
      this.pending.delete(p);
      this.checkIdle();
    });
  }

  private changed(job: Job): void {
    if (!this.options.onStatus) return;
    try {
      this.options.onStatus(this.status(job));
    } catch (e) {
      this.logError(`onStatus: ${oneLine(e)}`);
    }
  }

  private checkIdle(): void {
    if (this.waiting.length || this.running || this.pending.size) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  status(job: Job): JobStatus {
    return {
      id: job.id,
      state: job.state,
      stage: job.stage,
      progress: { done: job.done, total: job.frames },
      format: job.format,
      ...(job.name !== null ? { name: job.name } : {}),
      ...(job.cid !== null ? { cid: job.cid, url: `/ipfs/${job.cid}` } : {}),
      ...(job.width !== null && job.height !== null ? { width: job.width, height: job.height } : {}),
      frames: job.frames,
      ...(job.executed !== null ? { executed: job.executed, cached: job.cached ?? 0 } : {}),
      ...(job.ms !== null ? { ms: job.ms } : {}),
      ...(job.error !== null ? { error: job.error } : {}),
      ...(job.errors !== null ? { errors: job.errors } : {}),
    };
  }

  // ---- GET /jobs/<id> ----

  private async getJob(id: string, res: ServerResponse): Promise<void> {
    if (!KEY.test(id)) return fail(res, 404, "No such job (an id is the recipe's key: hex)");
    const job = this.jobs.get(id);
    if (job) return json(res, 200, this.status(job));
    // Not in memory (a restart, or let go): a done job is found again by its key.
    const cid = await this.options.store.lookup(id);
    // (Its format and frame count are the recipe's, which is not kept: progress says 1 of 1.)
    if (cid && (await this.options.store.has(cid))) return json(res, 200, { id, state: "done", stage: "done", progress: { done: 1, total: 1 }, cid, url: `/ipfs/${cid}` });
    return fail(res, 404, `No such job: ${id}`);
  }

  // ---- GET /ipfs/<cid> ----

  private async getContent(cid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!parseCid(cid)) return fail(res, 400, `Not a CID: ${cid.slice(0, 120)}`);
    const etag = `"${cid}"`;
    // A CID names its bytes forever: whoever holds them needs nothing read (or hashed) again.
    const inm = req.headers["if-none-match"];
    if (inm && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === etag || t.trim() === cid || t.trim() === "*")) {
      res.writeHead(304, { etag, "cache-control": "public, max-age=31536000, immutable" });
      return void res.end();
    }
    let bytes: Uint8Array | null;
    try {
      bytes = await this.options.store.get(cid);
    } catch (e) {
      if (e instanceof ContentMismatchError) {
        this.logError(`GET /ipfs/${cid}: ${e.message}`);
        return fail(res, 502, `The stored bytes of ${cid} do not match it: refused`);
      }
      throw e;
    }
    if (!bytes) return fail(res, 404, `Not here: ${cid}`);
    const headers: Record<string, string | number> = {
      "content-type": mediaTypeOf(bytes) ?? "application/octet-stream",
      etag,
      "cache-control": "public, max-age=31536000, immutable",
      "accept-ranges": "bytes",
      "x-content-type-options": "nosniff",
    };
    const range = byteRange(header(req, "range") || undefined, bytes.length);
    if (range === null) {
      res.writeHead(416, { ...headers, "content-range": `bytes */${bytes.length}` });
      return void res.end();
    }
    const [start, end] = range === "all" ? [0, bytes.length - 1] : range;
    const part = bytes.subarray(start, end + 1);
    res.writeHead(range === "all" ? 200 : 206, { ...headers, "content-length": part.length, ...(range === "all" ? {} : { "content-range": `bytes ${start}-${end}/${bytes.length}` }) });
    res.end(req.method === "HEAD" ? undefined : part);
  }
}

/** A path segment decoded; as it is when it is not valid percent-encoding (then it matches nothing). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

function positioned(problems: readonly RecipeProblem[]): PositionedError[] {
  return problems.map((p) => ({ line: p.loc.line, col: p.loc.col, message: p.message }));
}

export function createRenderService(options: RenderServiceOptions): RenderService {
  return new RenderService(options);
}
