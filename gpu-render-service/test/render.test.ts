/**
 * renderRecipe on the CPU engine: executed-node counts (the same recipe
 * twice renders once; a change re-executes only what it touches), CIDs as
 * ipfs computes them, assets verified.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importer } from "ipfs-unixfs-importer";
import { afterAll, describe, expect, test, vi } from "vitest";
import { cpuEngine } from "../src/engines/cpu.ts";
import { MediaStore, RecipeError, decodePng, encodePng, frame, renderRecipe, type Format, type Progress } from "../src/index.ts";

const engine = cpuEngine();
afterAll(() => engine.dispose());
const newStore = () => new MediaStore({ dir: mkdtempSync(join(tmpdir(), "rose-render-test-")), pinning: null });
const render = (source: string, store: MediaStore, format: Format = "png", extra: { onProgress?: (p: Progress) => void } = {}) => renderRecipe(source, { src: "t.sexp", engine, format, store, ...extra });

/** CIDv1 raw sha2-256, by hand: the multibase `b` + base32 of <1><0x55><0x12><32><sha256>. */
function rawCidByHand(bytes: Uint8Array): string {
  const digest = createHash("sha256").update(bytes).digest();
  const cid = Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]);
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0;
  let value = 0;
  let out = "b";
  for (const byte of cid) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** What `ipfs add --cid-version 1 --raw-leaves` computes, through the reference importer with ipfs's defaults. */
async function ipfsAddCid(bytes: Uint8Array): Promise<string> {
  let root = "";
  const blockstore = { put: async (cid: unknown) => cid };
  for await (const entry of importer([{ content: bytes }], blockstore as never, { cidVersion: 1, rawLeaves: true, reduceSingleLeafToSelf: true })) root = String(entry.cid);
  return root;
}

describe("caching by node key", () => {
  const recipe = (amount: number) => `
    (define left (-> (noise :width 32 :height 32 :seed 7) (fx grayscale) (fx brightness :amount ${amount})))
    (define right (-> (gradient :width 32 :height 32 :from "#ff0000" :to "#0000ff") (fx invert)))
    (layer right left)`;

  test("the same recipe twice renders once", async () => {
    const store = newStore();
    const first = await render(recipe(0.1), store);
    // noise, chain, gradient, chain, layer, output.
    expect([first.executed, first.cached]).toEqual([6, 0]);
    const second = await render(recipe(0.1), store);
    expect([second.executed, second.cached]).toEqual([0, 1]);
    expect(second.cid).toBe(first.cid);
    expect(second.bytes).toEqual(first.bytes);
    // Another process, the same folder: the keys are on disk.
    const third = await render(recipe(0.1), new MediaStore({ dir: store.dir, pinning: null }));
    expect([third.executed, third.cached, third.cid]).toEqual([0, 1, first.cid]);
  });

  test("a change to one node re-executes that node and what depends on it", async () => {
    const store = newStore();
    await render(recipe(0.1), store);
    const changed = await render(recipe(0.2), store);
    // The brightness chain, the layer over it and the output run again; the
    // noise under the chain and the other branch are found.
    const by = (state: string) => changed.plan.filter((n) => n.state === state).map((n) => n.kind).sort();
    expect(by("executed")).toEqual(["chain", "layer", "output"]);
    expect(by("cached")).toEqual(["chain", "noise"]);
    expect(by("skipped")).toEqual(["gradient"]);
    expect([changed.executed, changed.cached]).toEqual([3, 2]);
  });

  test("a change of format encodes again from the kept frames", async () => {
    const store = newStore();
    await render(recipe(0.1), store);
    const webp = await render(recipe(0.1), store, "webp");
    expect(webp.executed).toBe(1);
    expect(webp.plan.find((n) => n.kind === "layer")!.state).toBe("cached");
  });

  test("a video: frames that are the same image are computed once", async () => {
    const store = newStore();
    const progress: Progress[] = [];
    const r = await render(`(frames :count 8 :fps 8 (layer (gradient :width 16 :height 16) (-> (solid :width 16 :height 16 :color "#ffffff") (fx brightness :amount (* -0.25 (floor (* t 4)))))))`, store, "webp", { onProgress: (p) => progress.push(p) });
    expect(r.frames).toBe(8);
    // gradient, solid, 4 distinct chains, 4 distinct layers, output.
    expect(r.executed).toBe(11);
    expect(progress.filter((p) => p.stage === "render").map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.map((p) => p.stage)).toContain("encode");
  });

  test("cacheNodes: false keeps only the frames and the output", async () => {
    const store = newStore();
    const source = recipe(0.3);
    await renderRecipe(source, { engine, format: "png", store, cacheNodes: false });
    const again = await renderRecipe(source.replace("(layer right left)", "(layer left right)"), { engine, format: "png", store, cacheNodes: false });
    expect(again.executed).toBe(6);
  });
});

describe("deterministic bytes and CIDs", () => {
  test("a small solid PNG has the CID ipfs gives its bytes", async () => {
    const r = await render(`(solid :width 2 :height 2 :color "#ff0000")`, newStore());
    expect(decodePng(r.bytes)).toEqual(frame(2, 2, new Uint8Array([255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255])));
    expect(r.cid).toBe(rawCidByHand(r.bytes));
    expect(r.cid).toBe(await ipfsAddCid(r.bytes));
    // Pinned: fast-png at zlib level 3 over these pixels, on any machine.
    expect(r.cid).toBe("bafkreif7wi2pajssfbt4ytsajxx5p2hbo22ediwu5emmhpb5i6rfcbio5q");
    expect([r.width, r.height, r.frames, r.format]).toEqual([2, 2, 1, "png"]);
  });

  test("above one chunk (256 KiB) the CID is the UnixFS DAG's, as ipfs add --raw-leaves builds it", async () => {
    const r = await render(`(noise :width 400 :height 400 :seed 1)`, newStore());
    expect(r.bytes.length).toBeGreaterThan(256 * 1024);
    expect(r.cid).toMatch(/^bafybei/);
    expect(r.cid).toBe(await ipfsAddCid(r.bytes));
  });

  test("the same recipe in two fresh stores gives the same bytes", async () => {
    const source = `(-> (gradient :width 24 :height 12 :from "#102030" :to "#f0e0d0") (fx sepia) (fx vignette) (fx blur :radius 1))`;
    const [a, b] = await Promise.all([render(source, newStore()), render(source, newStore())]);
    expect(a.cid).toBe(b.cid);
    expect(a.bytes).toEqual(b.bytes);
  });

  test("a still's PNG output is its root node's PNG", async () => {
    const r = await render(`(-> (solid :width 4 :height 4 :color "#00ff00") (fx invert))`, newStore());
    expect(r.plan.find((n) => n.kind === "chain")!.cid).toBe(r.cid);
  });
});

describe("assets", () => {
  const tile = frame(3, 2, new Uint8Array([...[255, 0, 0, 255], ...[0, 255, 0, 255], ...[0, 0, 255, 255], ...[9, 9, 9, 128], ...[200, 100, 50, 255], ...[0, 0, 0, 0]]));

  test("an asset by CID, verified and decoded (PNG through fast-png)", async () => {
    const store = newStore();
    const cid = await store.put(encodePng(tile));
    const r = await render(`(asset :cid "${cid}")`, store);
    expect(decodePng(r.bytes)).toEqual(tile);
    const scaled = await render(`(resize (asset :cid "${cid}") :width 6 :height 4)`, store);
    expect([scaled.width, scaled.height]).toEqual([6, 4]);
  });

  test("tampered asset bytes are refused, at the asset's position", async () => {
    const store = newStore();
    const cid = await store.put(encodePng(tile));
    const path = join(store.dir, "blocks", cid);
    const bytes = readFileSync(path);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    writeFileSync(path, bytes);
    const err = await render(`(layer (solid :width 3 :height 2)\n  (asset :cid "${cid}"))`, store).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecipeError);
    expect((err as Error).message).toBe(`t.sexp:2:15: the bytes stored for ${cid} do not match it (tampered or damaged): refused`);
  });

  test("a missing asset, or bytes that are no image, are refused clearly", async () => {
    const store = newStore();
    const missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    await expect(render(`(asset :cid "${missing}")`, store)).rejects.toThrow(`t.sexp:1:13: asset ${missing}: not in the store`);
    const text = await store.put(new TextEncoder().encode("not an image"));
    await expect(render(`(asset :cid "${text}")`, store)).rejects.toThrow(/^t\.sexp:1:13: asset \S+ is not an image that can be decoded/);
    await expect(render(`(asset :cid "not-a-cid")`, store)).rejects.toThrow('t.sexp:1:13: asset :cid "not-a-cid" is not a CID');
  });

  test("a render that fails leaves the store usable", async () => {
    const store = newStore();
    await render(`(asset :cid "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")`, store).catch(() => {});
    const ok = await render(`(solid :width 2 :height 2)`, store);
    expect(ok.executed).toBe(2);
  });
});

describe("pinning", () => {
  test("a new output is pinned; a cached one is not asked again; a failing service does not fail the render", async () => {
    const asked: string[] = [];
    let up = true;
    const fetcher = (async (_url: string | URL | Request, init?: RequestInit) => {
      const pin = JSON.parse(String(init?.body)) as { cid: string };
      asked.push(pin.cid);
      if (!up) return new Response(JSON.stringify({ error: { reason: "DOWN" } }), { status: 503 });
      return new Response(JSON.stringify({ requestid: "r", status: "queued", created: "2025-01-01T00:00:00Z", pin, delegates: [] }), { status: 202 });
    }) as typeof fetch;
    const store = new MediaStore({ dir: mkdtempSync(join(tmpdir(), "rose-render-test-")), pinning: { url: "https://pins.example", token: "t", fetcher } });
    const first = await render(`(solid :width 4 :height 4 :color "#010203")`, store);
    expect(first.pin).toEqual({ status: "queued" });
    expect(asked).toEqual([first.cid]);
    expect((await render(`(solid :width 4 :height 4 :color "#010203")`, store)).pin).toBeNull();
    expect(asked).toHaveLength(1);
    up = false;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const other = await render(`(solid :width 4 :height 4 :color "#040506")`, store);
    expect(other.pin).toEqual({ error: expect.stringContaining("503 DOWN") });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`pinning ${other.cid} failed`));
    warn.mockRestore();
  });
});

describe("formats", { timeout: 60_000 }, () => {
  test("a video as PNG is refused with the formats that hold one", async () => {
    await expect(render(`(frames :count 2 (solid :width 4 :height 4))`, newStore(), "png")).rejects.toThrow(/png holds one image.*gif, mp4, webm or webp/);
  });
});
