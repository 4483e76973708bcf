/**
 * The render service over HTTP, in-process on port 0 with a temporary store
 * and the CPU engine. Requests are signed with the edge's own code
 * (workers/router/src/invalidate.ts), and callbacks verified with it, so the
 * wire format is the content webhook's.
 */
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cidOf, matchesCid, parseCid } from "@rose-ash/content";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { signature as webhookSignature, verifySignature as verifyWebhookSignature } from "@rose-ash/content";
import { cpuEngine } from "../src/engines/cpu.ts";
import type { Engine } from "../src/engine.ts";
import { ffmpegVersion } from "../src/encode/index.ts";
import { decodePng, encodePng } from "../src/encode/png.ts";
import { frame } from "../src/frame.ts";
import { MediaStore } from "../src/store.ts";
import { RenderService, type JobStatus, type RenderServiceOptions } from "../src/server/service.ts";

const SECRET = "render-test-secret";
const engine = cpuEngine();
const hasFfmpeg = await ffmpegVersion().then(() => true, () => false);
const quiet = { log: () => {}, logError: () => {} };
const newStore = (dir = mkdtempSync(join(tmpdir(), "rose-render-service-"))) => new MediaStore({ dir, pinning: null });

interface Running {
  service: RenderService;
  base: string;
  store: MediaStore;
  errors: string[];
}

const started: RenderService[] = [];
async function start(options: Partial<RenderServiceOptions> = {}): Promise<Running> {
  const store = options.store ?? newStore();
  const errors: string[] = [];
  const service = new RenderService({ engine, store, secret: SECRET, ...quiet, logError: (l) => errors.push(l), ...options });
  const { port } = await service.listen(0, "127.0.0.1");
  started.push(service);
  return { service, base: `http://127.0.0.1:${port}`, store, errors };
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
  await engine.dispose();
});

/** POST /jobs signed as the edge signs (its webhookSignature), unless told otherwise. */
async function post(base: string, body: unknown, opts: { timestamp?: string; signature?: string; unsigned?: boolean; raw?: boolean } = {}): Promise<Response> {
  const text = opts.raw ? String(body) : JSON.stringify(body);
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (!opts.unsigned) {
    headers["x-rose-timestamp"] = timestamp;
    headers["x-rose-signature"] = opts.signature ?? (await webhookSignature(SECRET, timestamp, text));
  }
  return fetch(`${base}/jobs`, { method: "POST", headers, body: text });
}

async function waitFor(base: string, id: string, states: readonly string[] = ["done", "failed"]): Promise<JobStatus> {
  for (let i = 0; i < 400; i++) {
    const r = await fetch(`${base}/jobs/${id}`);
    expect(r.status).toBe(200);
    const s = (await r.json()) as JobStatus;
    if (states.includes(s.state)) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${id} did not reach ${states.join("/")}`);
}

const RED = '(solid :width 8 :height 6 :color "#ff0000")';
const chain = (n: number) => `(-> (gradient :width 16 :height 8 :from "#000000" :to "#ffffff") (fx invert) (fx brightness :amount ${n}))`;

describe("the render service", () => {
  let svc: Running;
  beforeAll(async () => {
    svc = await start();
  });

  test("a signed job: 202, then done with a CID whose bytes hash to it; served with its type and ETag", async () => {
    const r = await post(svc.base, { recipe: chain(0.1), format: "png", name: "banner" });
    expect(r.status).toBe(202);
    const accepted = (await r.json()) as { id: string; status: string };
    expect(accepted.id).toMatch(/^[0-9a-f]{16,128}$/);
    expect(accepted.status).toBe(`/jobs/${accepted.id}`);
    const done = await waitFor(svc.base, accepted.id);
    expect(done).toMatchObject({ id: accepted.id, state: "done", stage: "done", progress: { done: 1, total: 1 }, format: "png", width: 16, height: 8, name: "banner" });
    expect(done.url).toBe(`/ipfs/${done.cid}`);
    expect(done.executed).toBeGreaterThan(0);

    const got = await fetch(`${svc.base}${done.url}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("etag")).toBe(`"${done.cid}"`);
    const bytes = new Uint8Array(await got.arrayBuffer());
    expect(String(await cidOf(bytes))).toBe(done.cid);
    expect(await matchesCid(parseCid(done.cid!)!, bytes)).toBe(true);
    const f = decodePng(bytes);
    expect([f.width, f.height]).toEqual([16, 8]);
    // invert then +0.1*255 on the gradient's first column (black): 255, clamped.
    expect([...f.data.subarray(0, 4)]).toEqual([255, 255, 255, 255]);

    expect((await fetch(`${svc.base}${done.url}`, { headers: { "if-none-match": `"${done.cid}"` } })).status).toBe(304);
    const part = await fetch(`${svc.base}${done.url}`, { headers: { range: "bytes=0-7" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-7/${bytes.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(0, 8));
    const head = await fetch(`${svc.base}${done.url}`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length")]).toEqual([200, String(bytes.length)]);
  });

  test("the same recipe again is the same job, rendered once; another format is another job", async () => {
    const renders = svc.service.stats.renders;
    const first = (await (await post(svc.base, { recipe: RED })).json()) as { id: string };
    const done = await waitFor(svc.base, first.id);
    expect(svc.service.stats.renders).toBe(renders + 1);
    // Another signature (a later timestamp or not), the same recipe: 200 with the result, nothing rendered.
    const again = await post(svc.base, { recipe: RED, format: "png" }, { timestamp: String(Math.floor(Date.now() / 1000) - 1) });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: first.id, state: "done", cid: done.cid, status: `/jobs/${first.id}` });
    // Written differently (a comment, other spacing): the same key.
    const respelled = await post(svc.base, { recipe: `; red\n(solid :height 6\n  :width 8 :color "#ff0000")` });
    expect(((await respelled.json()) as { id: string }).id).toBe(first.id);
    expect(svc.service.stats.renders).toBe(renders + 1);
    const webp = (await (await post(svc.base, { recipe: RED, format: "webp" })).json()) as { id: string };
    expect(webp.id).not.toBe(first.id);
    const w = await waitFor(svc.base, webp.id);
    expect((await fetch(`${svc.base}${w.url}`)).headers.get("content-type")).toBe("image/webp");
  });

  test("the same new recipe sent at once by several callers is one job, rendered once", async () => {
    const renders = svc.service.stats.renders;
    const recipe = '(-> (noise :width 12 :height 12 :seed 99) (fx sepia))';
    const answers = await Promise.all(["a", "b", "c", "d", "e"].map((name) => post(svc.base, { recipe, name })));
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    await svc.service.idle();
    expect(svc.service.stats.renders).toBe(renders + 1);
    expect(await (await fetch(`${svc.base}/jobs/${[...ids][0]}`)).json()).toMatchObject({ state: "done" });
  });

  test("after a restart the store finds a done job again by its key: nothing rendered", async () => {
    const first = (await (await post(svc.base, { recipe: chain(0.2) })).json()) as { id: string };
    const done = await waitFor(svc.base, first.id);
    const fresh = await start({ store: newStore(svc.store.dir) });
    const status = await fetch(`${fresh.base}/jobs/${first.id}`);
    expect(await status.json()).toMatchObject({ id: first.id, state: "done", cid: done.cid });
    const r = await post(fresh.base, { recipe: chain(0.2) });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ id: first.id, state: "done", cid: done.cid, executed: 0 });
    expect(fresh.service.stats.renders).toBe(0);
    const bytes = new Uint8Array(await (await fetch(`${fresh.base}/ipfs/${done.cid}`)).arrayBuffer());
    expect(String(await cidOf(bytes))).toBe(done.cid);
  });

  test("unsigned, badly signed, stale, replayed and oversized requests are refused, and nothing is queued", async () => {
    const before = { ...svc.service.stats };
    const jobs = svc.service.health().jobs;
    const body = { recipe: '(solid :width 4 :height 4 :color "#123456")' };
    expect((await post(svc.base, body, { unsigned: true })).status).toBe(401);
    expect((await post(svc.base, body, { signature: "0".repeat(64) })).status).toBe(401);
    expect((await post(svc.base, body, { signature: "not hex" })).status).toBe(401);
    const stale = String(Math.floor(Date.now() / 1000) - 301);
    const staleRes = await post(svc.base, body, { timestamp: stale });
    expect(staleRes.status).toBe(401);
    expect(await staleRes.json()).toEqual({ error: "Stale or missing x-rose-timestamp" });
    expect((await post(svc.base, body, { timestamp: String(Math.floor(Date.now() / 1000) + 301) })).status).toBe(401);
    // Signed for another body: refused.
    const ts = String(Math.floor(Date.now() / 1000));
    expect((await post(svc.base, body, { timestamp: ts, signature: await webhookSignature(SECRET, ts, "{}") })).status).toBe(401);
    // Over the limit (256 KiB by default): 413 before the signature is even looked at.
    const big = { recipe: `; ${"x".repeat(300 * 1024)}\n${body.recipe}` };
    const tooBig = await post(svc.base, big);
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: string }).error).toMatch(/larger than 262144 bytes/);
    expect(svc.service.health()).toMatchObject({ queued: 0, running: 0, jobs });
    expect(svc.service.stats).toMatchObject({ accepted: before.accepted, renders: before.renders });

    // One signature, sent twice: the second is a replay.
    const text = JSON.stringify(body);
    const sig = await webhookSignature(SECRET, ts, text);
    const send = () => fetch(`${svc.base}/jobs`, { method: "POST", headers: { "x-rose-timestamp": ts, "x-rose-signature": sig }, body: text });
    expect((await send()).status).toBe(202);
    const replay = await send();
    expect(replay.status).toBe(409);
    expect(await replay.json()).toEqual({ error: "Replayed request refused" });
    expect(svc.service.stats.accepted).toBe(before.accepted + 1);
    await svc.service.idle();
  });

  test("bad recipes: 400 with every problem at its line and column; bad JSON and fields: 400", async () => {
    const r = await post(svc.base, { recipe: '(define c "#zzzzzz")\n(-> (solid :width 8 :height 8 :color "#00ff00")\n    (fx sparkle))' });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: string; errors: { line: number; col: number; message: string }[] };
    expect(body.errors).toEqual([{ line: 3, col: 9, message: expect.stringMatching(/^unknown effect sparkle/) }]);
    expect(body.error).toMatch(/^recipe:3:9: unknown effect sparkle/);
    expect(JSON.stringify(body)).not.toMatch(/ at .*\.ts:\d+/);

    const colour = (await (await post(svc.base, { recipe: '\n  (solid :width 8 :height 8 :color "#zzzzzz")' })).json()) as typeof body;
    expect(colour.errors).toEqual([{ line: 2, col: 36, message: expect.stringMatching(/bad colour/) }]);
    const huge = (await (await post(svc.base, { recipe: "(solid :width 99999 :height 8 :color \"#ff0000\")" })).json()) as typeof body;
    expect(huge.errors[0]).toMatchObject({ line: 1, col: 15, message: expect.stringMatching(/above its maximum/) });
    const unbalanced = await post(svc.base, { recipe: "(solid :width 8" });
    expect(unbalanced.status).toBe(400);
    expect(((await unbalanced.json()) as typeof body).errors[0]).toMatchObject({ line: 1 });
    const video = await post(svc.base, { recipe: '(frames :count 2 :fps 2 (solid :width 4 :height 4 :color "#ff0000"))', format: "png" });
    expect([video.status, ((await video.json()) as typeof body).errors[0]?.line]).toEqual([400, 1]);

    for (const bad of ["not json", "[1]", JSON.stringify({ recipe: 3 }), JSON.stringify({ recipe: RED, format: "bmp" }), JSON.stringify({ recipe: RED, callback: "file:///etc/passwd" }), JSON.stringify({ recipe: RED, extra: 1 }), JSON.stringify({ recipe: RED, name: "" })]) {
      const res = await post(svc.base, bad, { raw: true });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: string }).error, bad).toBeTruthy();
    }
    expect(svc.service.health()).toMatchObject({ queued: 0, running: 0 });
  });

  test("a job that fails is failed with its reason, and the service keeps serving", async () => {
    const missing = String(await cidOf(new TextEncoder().encode("an asset nobody stored")));
    const r = await post(svc.base, { recipe: `(-> (asset :cid "${missing}") (fx invert))` });
    expect(r.status).toBe(202);
    const { id } = (await r.json()) as { id: string };
    const failed = await waitFor(svc.base, id);
    expect(failed.state).toBe("failed");
    expect(failed.error).toMatch(/not in the store/);
    expect(failed.errors?.[0]).toMatchObject({ line: 1, col: expect.any(Number) });
    expect(failed.error).not.toMatch(/\n\s+at /);
    expect(svc.errors.some((l) => l.includes(id.slice(0, 16)) && l.includes("failed"))).toBe(true);
    const ok = (await (await post(svc.base, { recipe: chain(0.3) })).json()) as { id: string };
    expect((await waitFor(svc.base, ok.id)).state).toBe("done");

    // Asked again once what it lacked has arrived: tried again, done.
    const png = encodePng(frame(2, 2, new Uint8Array(16).fill(200)));
    const asset = String(await cidOf(png));
    const recipe = `(-> (asset :cid "${asset}") (fx invert))`;
    const first = (await (await post(svc.base, { recipe })).json()) as { id: string };
    expect((await waitFor(svc.base, first.id)).state).toBe("failed");
    expect(await svc.store.put(png)).toBe(asset);
    const retry = await post(svc.base, { recipe, name: "again" });
    expect(retry.status).toBe(202);
    const done = await waitFor(svc.base, first.id);
    expect(done.state).toBe("done");
    expect(decodePng(new Uint8Array(await (await fetch(`${svc.base}${done.url}`)).arrayBuffer())).data[0]).toBe(55);
    expect((await fetch(`${svc.base}/health`)).status).toBe(200);
  });

  test("routes: 404 for unknown jobs, CIDs and paths; 405 for other methods; 400 for a bad CID", async () => {
    expect((await fetch(`${svc.base}/jobs/${"ab".repeat(32)}`)).status).toBe(404);
    expect((await fetch(`${svc.base}/jobs/../etc`)).status).toBe(404);
    expect((await fetch(`${svc.base}/ipfs/${String(await cidOf(new Uint8Array([1, 2, 3])))}`)).status).toBe(404);
    expect((await fetch(`${svc.base}/ipfs/not-a-cid`)).status).toBe(400);
    expect((await fetch(`${svc.base}/ipfs/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${svc.base}/jobs/%E0%A4%A`)).status).toBe(404);
    expect((await fetch(`${svc.base}/nowhere`)).status).toBe(404);
    expect((await fetch(`${svc.base}/jobs`)).status).toBe(405);
    expect((await fetch(`${svc.base}/health`, { method: "DELETE" })).status).toBe(405);
    const health = await (await fetch(`${svc.base}/health`)).json();
    expect(health).toMatchObject({ ok: true, backend: "cpu", concurrency: 1 });
  });

  test("a video job's progress counts its frames", async () => {
    const seen: JobStatus[] = [];
    const v = await start({ onStatus: (s) => seen.push(s) });
    const recipe = '(frames :count 4 :fps 4 (-> (gradient :width 8 :height 8 :from "#ff0000" :to "#0000ff") (fx hue-shift :degrees (* t 90))))';
    const r = await post(v.base, { recipe, format: "webp" });
    const { id } = (await r.json()) as { id: string };
    const done = await waitFor(v.base, id);
    expect(done).toMatchObject({ state: "done", progress: { done: 4, total: 4 }, frames: 4, format: "webp" });
    const rendering = seen.filter((s) => s.id === id && s.stage === "render").map((s) => `${s.progress.done}/${s.progress.total}`);
    expect(rendering).toEqual(["1/4", "2/4", "3/4", "4/4"]);
    expect(seen.filter((s) => s.id === id).map((s) => s.stage)).toEqual(expect.arrayContaining(["read", "plan", "render", "encode", "store", "done"]));
    const bytes = new Uint8Array(await (await fetch(`${v.base}${done.url}`)).arrayBuffer());
    expect(String(await cidOf(bytes))).toBe(done.cid);
  });

  test.skipIf(!hasFfmpeg)("an mp4 job (ffmpeg): video/mp4, served in ranges", async () => {
    const recipe = '(frames :count 3 :fps 3 (-> (noise :width 16 :height 16 :seed 3) (fx brightness :amount (* t 0.2))))';
    const { id } = (await (await post(svc.base, { recipe })).json()) as { id: string };
    const done = await waitFor(svc.base, id);
    expect(done).toMatchObject({ state: "done", format: "mp4", progress: { done: 3, total: 3 } });
    const res = await fetch(`${svc.base}${done.url}`, { headers: { range: "bytes=4-" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()).subarray(0, 4))).toBe("ftyp");
  });
});

/** An engine whose renders wait until released (to hold the queue full). */
function gated(inner: Engine): { engine: Engine; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const engine: Engine = Object.assign(Object.create(inner) as Engine, {
    name: inner.name,
    solid: async (...args: Parameters<Engine["solid"]>) => (await gate, inner.solid(...args)),
  });
  return { engine, release };
}

describe("the queue", () => {
  test("full: 503 with Retry-After and nothing queued; the jobs it holds finish once the engine is free", async () => {
    const g = gated(engine);
    const q = await start({ engine: g.engine, concurrency: 1, queueMax: 1 });
    const job = (color: string) => ({ recipe: `(solid :width 4 :height 4 :color "${color}")` });
    const a = await post(q.base, job("#010101"));
    const b = await post(q.base, job("#020202"));
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(q.service.health()).toMatchObject({ running: 1, queued: 1 });
    const c = await post(q.base, job("#030303"));
    expect(c.status).toBe(503);
    expect(Number(c.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await c.json()) as { error: string }).error).toMatch(/queue is full/);
    // A job already held is answered, not refused.
    const again = await post(q.base, { ...job("#020202"), format: "png" });
    expect(again.status).toBe(202);
    expect(q.service.health()).toMatchObject({ running: 1, queued: 1, jobs: 2 });
    const running = (await (await fetch(`${q.base}/jobs/${((await a.json()) as { id: string }).id}`)).json()) as JobStatus;
    expect(running).toMatchObject({ state: "running", progress: { done: 0, total: 1 } });
    const queued = (await (await fetch(`${q.base}/jobs/${((await b.json()) as { id: string }).id}`)).json()) as JobStatus;
    expect(queued).toMatchObject({ state: "queued", stage: "queued" });
    g.release();
    await q.service.idle();
    expect(q.service.stats).toMatchObject({ done: 2, failed: 0 });
    // Its signature was used by the refused request: a retry is signed again (Retry-After is at least a second).
    expect((await post(q.base, job("#030303"), { timestamp: String(Math.floor(Date.now() / 1000) + 1) })).status).toBe(202);
    await q.service.idle();
  });

  test("concurrency 2 runs two at once", async () => {
    const g = gated(engine);
    const q = await start({ engine: g.engine, concurrency: 2, queueMax: 0 });
    expect((await post(q.base, { recipe: '(solid :width 4 :height 4 :color "#0a0a0a")' })).status).toBe(202);
    expect((await post(q.base, { recipe: '(solid :width 4 :height 4 :color "#0b0b0b")' })).status).toBe(202);
    expect((await post(q.base, { recipe: '(solid :width 4 :height 4 :color "#0c0c0c")' })).status).toBe(503);
    expect(q.service.health()).toMatchObject({ running: 2, queued: 0 });
    g.release();
    await q.service.idle();
  });

  test("no secret: POST /jobs answers 503, the rest serves", async () => {
    const q = await start({ secret: null });
    expect((await post(q.base, { recipe: RED })).status).toBe(503);
    expect((await fetch(`${q.base}/health`)).status).toBe(200);
  });
});

describe("callbacks", () => {
  let receiver: Server;
  let url: string;
  const arrived: { body: string; timestamp: string; signature: string; status: number }[] = [];
  let failFirst = 0;
  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const status = failFirst-- > 0 ? 503 : 200;
        arrived.push({ body: Buffer.concat(chunks).toString("utf8"), timestamp: String(req.headers["x-rose-timestamp"]), signature: String(req.headers["x-rose-signature"]), status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/render-done`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  test("the result arrives signed as the edge verifies it, after retries with backoff", async () => {
    const c = await start({ callback: { backoffMs: 5, attempts: 4 } });
    failFirst = 2;
    const { id } = (await (await post(c.base, { recipe: chain(0.4), name: "hero", callback: url })).json()) as { id: string };
    await c.service.idle();
    expect(arrived.map((a) => a.status)).toEqual([503, 503, 200]);
    const last = arrived.at(-1)!;
    expect(await verifyWebhookSignature(SECRET, last.timestamp, last.body, last.signature)).toBe(true);
    expect(Math.abs(Number(last.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const payload = JSON.parse(last.body) as JobStatus;
    expect(payload).toMatchObject({ id, state: "done", name: "hero", format: "png" });
    const bytes = new Uint8Array(await (await fetch(`${c.base}${payload.url}`)).arrayBuffer());
    expect(String(await cidOf(bytes))).toBe(payload.cid);
    expect(c.service.stats).toMatchObject({ callbacks: 1, callbacksFailed: 0 });

    // Asked again with another callback once done: that one is called back at once.
    arrived.length = 0;
    const again = await post(c.base, { recipe: chain(0.4), callback: `${url}?second` });
    expect(again.status).toBe(200);
    await c.service.idle();
    expect(arrived).toHaveLength(1);
    expect(JSON.parse(arrived[0]!.body)).toMatchObject({ id, state: "done", cid: payload.cid });
  });

  test("a failed job is called back failed; attempts are bounded", async () => {
    const c = await start({ callback: { backoffMs: 1, attempts: 3 } });
    arrived.length = 0;
    failFirst = 100;
    const missing = String(await cidOf(new TextEncoder().encode("not stored either")));
    await post(c.base, { recipe: `(asset :cid "${missing}")`, callback: url });
    await c.service.idle();
    failFirst = 0;
    expect(arrived).toHaveLength(3);
    expect(JSON.parse(arrived[0]!.body)).toMatchObject({ state: "failed", error: expect.stringMatching(/not in the store/) });
    expect(c.service.stats).toMatchObject({ callbacks: 0, callbacksFailed: 1 });
    expect(c.errors.some((l) => /given up after 3 attempts/.test(l))).toBe(true);
  });
});
