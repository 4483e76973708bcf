/**
 * Media at the edge, inside workerd, against the render service itself (CPU
 * engine, started by the global setup): signed render webhooks and what they
 * refuse, following a job to its CID, landing (bytes verified, pointers
 * moved, named renders), the render service's signed callback, and failures.
 * These tests give the router their own env with the service in it; the
 * other tests render no media (the alt text stands in its place).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { cidOf, signature } from "@rose-ash/content";
import { mediaSpec } from "@rose-ash/render/recipe";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { createEnv, render } from "@rose-ash/sexp";
import { mediaAbsent, mediaDone, mediaFailed, mediaPending } from "../src/media/elements.ts";
import { siteRegistry } from "../src/site.ts";

const base = "http://rose-ash.test";
const RENDER_SECRET = "test-only-render-secret";
const WEBHOOK_SECRET = "development-only-webhook-secret";
/** The router with a render service; re-renders run in the request (no queues), so a test can wait for them. */
const mediaEnv = { ...env, RENDER_SERVICE_URL: env.TEST_RENDER_SERVICE_URL, RENDER_SECRET, RENDERS: undefined, INVALIDATIONS: undefined };

async function call(path: string, init: RequestInit = {}, on: object = mediaEnv): Promise<Response> {
  const context = createExecutionContext();
  const response = await worker.fetch(new Request(base + path, init), on as never, context);
  await waitOnExecutionContext(context);
  return response;
}

const now = () => String(Math.floor(Date.now() / 1000));

async function signed(path: string, body: string, { secret = WEBHOOK_SECRET, timestamp = now(), on = mediaEnv as object } = {}) {
  const headers = { "content-type": "application/json", "x-rose-timestamp": timestamp, "x-rose-signature": await signature(secret, timestamp, body) };
  return call(path, { method: "POST", body, headers }, on);
}

interface Status {
  id: string;
  state: string;
  stage: string;
  progress: { done: number; total: number };
  cid?: string;
  url?: string;
  note?: string;
  error?: string;
  names: string[];
  attempts: number;
}

/** Follow a job through the edge's status URL until it finishes. */
async function finished(id: string, on: object = mediaEnv): Promise<Status> {
  for (let i = 0; i < 200; i++) {
    const status = await (await call(`/render/jobs/${id}`, {}, on)).json<Status>();
    if (status.state === "done" || status.state === "failed") return status;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

const recipe = (color: string) => `(blend (gradient :width 48 :height 32 :from "${color}" :to "#e9c46a") (noise :width 48 :height 32 :seed 4) :mode "overlay" :opacity 0.3)`;

describe("POST /webhooks/render", () => {
  it("queues a signed recipe, follows it to its CID, and moves the name it was given", async () => {
    const source = recipe("#264653");
    const accepted = await signed("/webhooks/render", JSON.stringify({ recipe: source, name: "banner" }));
    expect(accepted.status).toBe(202);
    const job = await accepted.json<Status & { status: string }>();
    expect(job.id).toBe(mediaSpec(source).key);
    expect(job.status).toBe(`/render/jobs/${job.id}`);
    const done = await finished(job.id);
    expect(done).toMatchObject({ state: "done", stage: "done", progress: { done: 1, total: 1 }, names: ["banner"], attempts: 1 });
    expect(done.url).toBe(`/ipfs/${done.cid}`);
    // The bytes are served by the edge from its warm tier, and they are what the CID names.
    const image = await call(done.url!);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(String(await cidOf(new Uint8Array(await image.arrayBuffer())))).toBe(done.cid);
    // The recipe's pointer and the name both resolve to it.
    expect((await (await call(`/ipns/${encodeURIComponent(`media:${job.id}`)}`)).json<{ cid: string }>()).cid).toBe(done.cid);
    expect((await (await call("/ipns/banner")).json<{ cid: string; inputKey: string }>())).toMatchObject({ cid: done.cid, inputKey: job.id });
    // The home page shows the current banner (named-media)...
    expect(await (await call("/", { headers: { "cache-control": "no-cache" } })).text()).toContain(`<img class="media media-done banner" src="/ipfs/${done.cid}" width="48" height="32"`);
    // ...and a new recipe under the same name moves it on, and the home page with it.
    const next = await (await signed("/webhooks/render", JSON.stringify({ recipe: recipe("#2a9d8f"), name: "banner" }))).json<Status>();
    const landed = await finished(next.id);
    expect(landed.cid).not.toBe(done.cid);
    expect((await (await call("/ipns/banner")).json<{ cid: string }>()).cid).toBe(landed.cid);
    const home = await call("/");
    expect(home.headers.get("x-rose-cache")).toBe("hit");
    expect(await home.text()).toContain(`src="/ipfs/${landed.cid}"`);
    // Naming the first recipe again moves the name back to it (it has landed already).
    expect((await signed("/webhooks/render", JSON.stringify({ recipe: source, name: "banner" }))).status).toBe(202);
    expect((await (await call("/ipns/banner")).json<{ cid: string }>()).cid).toBe(done.cid);
  });

  it("gives a name to the latest render asked for under it, whichever lands first", async () => {
    const first = await (await signed("/webhooks/render", JSON.stringify({ recipe: recipe("#6d597a"), name: "hero" }))).json<Status>();
    const second = await (await signed("/webhooks/render", JSON.stringify({ recipe: recipe("#b5c99a"), name: "hero" }))).json<Status>();
    const latest = await finished(second.id);
    const earlier = await finished(first.id);
    expect(earlier.state).toBe("done");
    expect((await (await call("/ipns/hero")).json<{ cid: string }>()).cid).toBe(latest.cid);
  });

  it("renders a video: its frames counted, landed as MP4 and served as video", async () => {
    const source = `(frames :count 6 :fps 6 (-> (gradient :width 32 :height 32 :from "#14213d" :to "#fca311") (fx rotate :degrees (* 60 t))))`;
    const job = await (await signed("/webhooks/render", JSON.stringify({ recipe: source }))).json<Status & { kind: string; format: string; frames: number }>();
    expect(job).toMatchObject({ kind: "video", format: "mp4", frames: 6, progress: { done: 0, total: 6 } });
    const done = await finished(job.id);
    expect(done).toMatchObject({ state: "done", progress: { done: 6, total: 6 } });
    const video = await call(done.url!);
    expect(video.headers.get("content-type")).toBe("video/mp4");
    expect(String(await cidOf(new Uint8Array(await video.arrayBuffer())))).toBe(done.cid);
    expect(await (await call(`/render/media/${job.id}`)).text()).toMatch(new RegExp(`^<video class="media media-done" src="/ipfs/${done.cid}" width="32" height="32" autoplay muted loop playsinline`));
  });

  it("queues one job for one recipe, however many ask", async () => {
    const source = recipe("#e76f51");
    const answers = await Promise.all(["one", "two", "three"].map((name) => signed("/webhooks/render", JSON.stringify({ recipe: source, name }))));
    const ids = await Promise.all(answers.map(async (a) => (expect(a.status).toBe(202), (await a.json<Status>()).id)));
    expect(new Set(ids).size).toBe(1);
    const done = await finished(ids[0]!);
    expect(done).toMatchObject({ state: "done", attempts: 1 });
    expect(done.names.sort()).toEqual(["one", "three", "two"]);
  });

  it("refuses what is unsigned, stale, replayed or malformed, and queues nothing", async () => {
    const source = recipe("#8ab17d");
    const key = mediaSpec(source).key;
    const body = JSON.stringify({ recipe: source });
    expect((await call("/webhooks/render", { method: "POST", body })).status).toBe(401);
    expect((await signed("/webhooks/render", body, { secret: "not-the-secret" })).status).toBe(401);
    expect((await signed("/webhooks/render", body, { timestamp: String(Math.floor(Date.now() / 1000) - 600) })).status).toBe(401);
    const bad = await signed("/webhooks/render", JSON.stringify({ recipe: "(layer (gradient :width 48 :height 32 :from \"#000000\" :to \"#ffffff\")\n  (sparkle :amount 2))" }));
    expect(bad.status).toBe(400);
    const problems = await bad.json<{ error: string; errors: { line: number; col: number; message: string }[] }>();
    expect(problems.errors[0]).toMatchObject({ line: 2, col: 4 });
    expect(problems.errors[0]!.message).toMatch(/sparkle/);
    expect((await signed("/webhooks/render", "{not json")).status).toBe(400);
    expect((await signed("/webhooks/render", JSON.stringify({ recipe: source, colour: "red" }))).status).toBe(400);
    expect((await signed("/webhooks/render", JSON.stringify({ recipe: source, name: "page:/x" }))).status).toBe(400);
    expect((await signed("/webhooks/render", JSON.stringify({ recipe: source, format: "bmp" }))).status).toBe(400);
    // A replay of an accepted request: the first is queued, the second refused.
    const timestamp = now();
    const headers = { "x-rose-timestamp": timestamp, "x-rose-signature": await signature(WEBHOOK_SECRET, timestamp, body) };
    expect((await call(`/render/jobs/${key}`)).status).toBe(404); // nothing queued by the refusals above
    expect((await call("/webhooks/render", { method: "POST", body, headers })).status).toBe(202);
    expect((await call("/webhooks/render", { method: "POST", body, headers })).status).toBe(409);
  });
});

describe("landing", () => {
  it("takes the service's signed callback, and refuses one unsigned, for another job, or with bytes that do not match", async () => {
    const source = recipe("#f4a261");
    const { id } = await (await signed("/webhooks/render", JSON.stringify({ recipe: source }))).json<Status>();
    // Handed over: the service's own id for the job.
    const handed = await env.RENDER_JOBS.get(env.RENDER_JOBS.idFromName(id)).get();
    expect(handed?.serviceJob).toMatch(/^[0-9a-f]+$/);
    const serviceJob = handed!.serviceJob!;
    // Wait for the service (not through the edge, which would land it).
    let status: { state: string; cid?: string } = { state: "queued" };
    for (let i = 0; i < 200 && status.state !== "done"; i++, await new Promise((r) => setTimeout(r, 50))) {
      status = await (await fetch(`${env.TEST_RENDER_SERVICE_URL}/jobs/${serviceJob}`)).json();
    }
    const body = JSON.stringify({ ...status, id: serviceJob });
    expect((await call(`/render/callback/${id}`, { method: "POST", body })).status).toBe(401);
    expect((await signed(`/render/callback/${id}`, body, { secret: WEBHOOK_SECRET })).status).toBe(401);
    expect((await signed(`/render/callback/${id}`, JSON.stringify({ ...status, id: "0".repeat(64) }), { secret: RENDER_SECRET })).status).toBe(409);
    // A claimed CID whose bytes the service does not have, or that are not these: nothing moves.
    const other = String(await cidOf(new TextEncoder().encode("not the render")));
    const forged = await signed(`/render/callback/${id}`, JSON.stringify({ ...status, id: serviceJob, cid: other }), { secret: RENDER_SECRET });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(await env.POINTERS.get(env.POINTERS.idFromName(`media:${id}`)).current()).toBeNull();
    // The real one lands it.
    const landed = await signed(`/render/callback/${id}`, body, { secret: RENDER_SECRET });
    expect(landed.status).toBe(200);
    expect(await landed.json()).toMatchObject({ state: "done", cid: status.cid });
    expect((await env.POINTERS.get(env.POINTERS.idFromName(`media:${id}`)).current())?.cid).toBe(status.cid);
  });

  it("shows a failed render with a retry, and a service that cannot be reached as waiting", async () => {
    // An asset the service does not have: the recipe reads, the render fails.
    const missing = String(await cidOf(new TextEncoder().encode("an asset nobody stored")));
    const source = `(resize (asset :cid "${missing}") :width 32 :height 32)`;
    const { id } = await (await signed("/webhooks/render", JSON.stringify({ recipe: source }))).json<Status>();
    const failed = await finished(id);
    expect(failed.state).toBe("failed");
    expect(failed.error).toMatch(/not in the store/);
    const element = await (await call(`/render/media/${id}?alt=A%20photo`)).text();
    expect(element).toContain('class="media media-failed"');
    expect(element).toContain(`hx-post="/render/media/${id}/retry?alt=A+photo"`);
    // Trying again queues it again (and it fails again: the asset is still missing).
    const retried = await call(`/render/media/${id}/retry`, { method: "POST", headers: { origin: base, "sec-fetch-site": "same-origin" } });
    expect(await retried.text()).toMatch(/media-(pending|failed)/);
    expect((await finished(id)).attempts).toBe(2);

    // The service down: the job waits, and says so; nothing fails.
    const down = { ...mediaEnv, RENDER_SERVICE_URL: "http://127.0.0.1:9" };
    const source2 = recipe("#0a9396");
    const queued = await (await signed("/webhooks/render", JSON.stringify({ recipe: source2 }), { on: down })).json<Status>();
    const waiting = await (await call(`/render/jobs/${queued.id}`, {}, down)).json<Status>();
    expect(waiting).toMatchObject({ state: "queued" });
    expect(waiting.note).toMatch(/could not be reached/);
    expect(await (await call(`/render/media/${queued.id}`, {}, down)).text()).toContain("Waiting for the render service");
    // Back up: the next look hands it over, and it lands.
    expect(await finished(queued.id)).toMatchObject({ state: "done" });
  });
});

describe("a page with media", () => {
  const fresh = { headers: { "cache-control": "no-cache" } };
  const pendingKey = (html: string) => /<figure class="media media-pending product-image"[^>]* data-media="([0-9a-f]{64})"/.exec(html)?.[1];

  it("shows it pending (one job however often it is asked for), and once it lands the shared page is replaced by one that shows it", async () => {
    const path = "/market/red-onions-750g/";
    const html = await (await call(path, fresh)).text();
    const key = pendingKey(html)!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(html).toContain(`hx-get="/render/media/${key}?alt=Red+Onions%2C+750g&amp;class=product-image"`);
    expect(pendingKey(await (await call(path, fresh)).text())).toBe(key);
    // The element it polls for: pending, then the image once the render has landed.
    let element = "";
    for (let i = 0; i < 200 && !element.startsWith("<img"); i++, await new Promise((r) => setTimeout(r, 50))) {
      element = await (await call(`/render/media/${key}?alt=Red+Onions%2C+750g&class=product-image`)).text();
      expect(element).toMatch(/^<(img|figure class="media media-pending)/);
    }
    const cid = /^<img class="media media-done product-image" src="\/ipfs\/(bafkrei[a-z2-7]+)" width="960" height="640" alt="Red Onions, 750g"/.exec(element)?.[1];
    expect(cid).toBeDefined();
    expect((await jobOf(key)).attempts).toBe(1);
    // Landing re-rendered the page that read it (here in the request: no queues): served from its pointer, with the image.
    const after = await call(path);
    expect(after.headers.get("x-rose-cache")).toBe("hit");
    const shown = await after.text();
    expect(shown).toContain(`src="/ipfs/${cid}"`);
    expect(pendingKey(shown)).toBeUndefined();
  });

  it("keeps pages rendered where no render service is configured apart: configuring one renders them afresh, with their media", async () => {
    const path = "/market/oat-flapjacks-4/";
    const without = await call(path, {}, env);
    expect(await without.text()).toContain('class="media media-absent product-image"');
    expect(decodeURIComponent(without.headers.get("x-rose-pointer")!)).toMatch(/^page:[0-9a-f]{16}\.no-media \/market\/oat-flapjacks-4\/$/);
    expect((await call(path, {}, env)).headers.get("x-rose-cache")).toBe("hit");
    const withService = await call(path);
    expect(withService.headers.get("x-rose-cache")).toBe("miss");
    expect(pendingKey(await withService.text())).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps a page whose media failed, with the error and a retry; a retry that lands replaces it", async () => {
    const path = "/market/seeded-rye-loaf/";
    const key = pendingKey(await (await call(path, fresh)).text())!;
    // The render fails (as a recipe whose asset is missing would): the job says so before anything lands it.
    await env.RENDER_JOBS.get(env.RENDER_JOBS.idFromName(key)).apply({ type: "failed", error: "the GPU caught fire" });
    const failed = await (await call(path, fresh)).text();
    expect(failed).toMatch(/<figure class="media media-failed product-image"[^>]*>.*the GPU caught fire.*<button type="button" hx-post="\/render\/media\/[0-9a-f]{64}\/retry/s);
    // Kept like any page (never a broken one), served from its pointer.
    const again = await call(path);
    expect(again.headers.get("x-rose-cache")).toBe("hit");
    expect(await again.text()).toContain("media-failed");
    // Try again: handed over, followed, landed; the kept page is rendered again with the image.
    const retried = await call(`/render/media/${key}/retry?class=product-image`, { method: "POST", headers: { origin: base, "sec-fetch-site": "same-origin" } });
    expect(await retried.text()).toMatch(/media-(pending|done)/);
    const status = await finished(key);
    expect(status).toMatchObject({ state: "done", attempts: 2 });
    const shown = await call(path);
    expect(shown.headers.get("x-rose-cache")).toBe("hit");
    expect(await shown.text()).toContain(`src="/ipfs/${status.cid}"`);
  });

  it("puts the media nodes in the page's plan beside the HTML ones, with their keys and whether they were found", async () => {
    const path = "/market/red-onions-750g/";
    const html = await (await call(path, fresh)).text();
    expect(pendingKey(html)).toBeUndefined(); // landed by the test above: found by its pointer
    const plan = await (await call(`/_sexp/plan?path=${encodeURIComponent(path)}`)).text();
    expect(plan).toContain("media render-media");
    expect(plan).toMatch(/media image 960x640 png.*?media:[0-9a-f]{12}….*?hit · pointer/s);
    expect(plan).toContain("route /market/:slug/");
  });
});

const jobOf = async (key: string) => (await env.RENDER_JOBS.get(env.RENDER_JOBS.idFromName(key)).get())!;

describe("render-media's recipe", () => {
  it("with problems shows them, each at its position, in the media's place: never a broken page, and that render not kept", async () => {
    const io = { mediaReads: [], degraded: false, media: async () => ({ state: "pending", job: "?" }) };
    const html = await render(`(div (render-media '(layer (gradient :width 8 :height 8 :from "#000000" :to "#ffffff")\n (fx blurr :radius 2)) :alt "x"))`, createEnv(siteRegistry()), { io });
    expect(html).toBe(
      '<div><figure class="media media-failed" role="status" data-media="unreadable"><p>This image could not be rendered.</p>' +
        '<p class="media-error">render-media: the recipe has a problem: in (fx blurr :radius 2): unknown effect blurr (did you mean blur?)</p></figure></div>',
    );
    expect(io.degraded).toBe(true);
    expect(io.mediaReads).toEqual([]);
    // Written as text, by line and column in it (the :with lines before it not counted).
    const text = await render(`(render-media "(gradient :width 8 :height 8 :from from :to \\"#ffffff\\")\n(fx blurr)" :with {:from "#000000"})`, createEnv(siteRegistry()), { io });
    expect(text).toContain("the recipe has a problem: 2:5: unknown effect blurr (did you mean blur?)");
  });
});

describe("the elements media is shown by", () => {
  const video = { key: "a".repeat(64), kind: "video" as const, format: "mp4", width: 320, height: 180 };
  const hostile = { alt: `"><script>alert(1)</script>`, className: `x" onload="alert(1)` };

  it("shows a video format as a video, with its size", () => {
    expect(mediaDone(video, "bafkreiabc", { alt: "Spin", className: null })).toBe(
      `<video class="media media-done" src="/ipfs/bafkreiabc" width="320" height="180" autoplay muted loop playsinline aria-label="Spin"></video>`,
    );
  });

  it("counts a video's frames while it renders, and says why it waits", () => {
    const html = mediaPending(video, { alt: "", className: null }, { stage: "render", done: 12, total: 48, note: null });
    expect(html).toContain('<progress max="48" value="12"></progress>');
    expect(html).toContain("Rendering · 12 of 48 frames");
    expect(mediaPending(video, { alt: "", className: null }, { stage: "waiting", done: 0, total: 48, note: "unreachable" })).toContain("Waiting for the render service · unreachable");
  });

  it("escapes what a page or a poll's URL gives it", () => {
    for (const html of [mediaDone({ ...video, kind: "image", format: "png" }, "bafkreiabc", hostile), mediaPending(video, hostile, null), mediaFailed(video, hostile, "<b>no</b>"), mediaAbsent(video, hostile)]) {
      expect(html).not.toMatch(/<script|<b>|" onload=/);
    }
  });
});
