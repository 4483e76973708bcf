/**
 * The Storacha sink, offline. A real agent key and a real space delegation
 * are made here and the network is replaced, in Node and inside workerd (the
 * sink bundled as wrangler would, run by Miniflare). What can be checked
 * without Storacha: the sink is made only from both secrets, it loads from
 * key + proof, and its first request is a `space/blob/add` for exactly the
 * CAR of our DAG (digest and size), issued by the agent for the delegated
 * space. The rest of an upload (the blob PUT, receipts, index, upload/add)
 * needs up.storacha.network.
 */
import { fileURLToPath } from "node:url";
import * as Client from "@storacha/client";
import { Signer } from "@storacha/client/principal/ed25519";
import { StoreMemory } from "@storacha/client/stores/memory";
import * as UcantoCar from "@ucanto/transport/car";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { base64 } from "multiformats/bases/base64";
import { identity } from "multiformats/hashes/identity";
import { sha256 } from "multiformats/hashes/sha2";
import * as Link from "multiformats/link";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cidOf, type Block } from "../src/cid.ts";
import { storachaSinkFromEnv } from "@rose-ash/content/storacha";
import { depthFirst, encodeCar } from "../src/trustless.ts";
import worker from "./fixtures/storacha-worker.ts";

const CAR_CODEC = 0x0202;
const BYTES = new Uint8Array(300 * 1024).map((_, i) => (i * 5 + (i >> 9)) & 0xff);

/** An agent key, and a space delegating the upload abilities to it, as `storacha delegation create --base64` prints it. */
async function credentials() {
  const agent = await Signer.generate();
  const owner = await Client.create({ principal: await Signer.generate(), store: new StoreMemory() });
  const space = await owner.createSpace("rose-ash test", { skipGatewayAuthorization: true });
  await space.save();
  await owner.setCurrentSpace(space.did());
  const delegation = await owner.createDelegation(agent, ["space/blob/add", "space/index/add", "upload/add", "filecoin/offer"]);
  const archive = await delegation.archive();
  if (!archive.ok) throw archive.error;
  return { agent: agent.did(), space: space.did(), KEY: Signer.format(agent), PROOF: Link.create(CAR_CODEC, identity.digest(archive.ok)).toString(base64) };
}

interface Answer {
  error: string;
  sent: { method: string; url: string; body: string }[];
}

/** The UCAN invocations in what the sink sent. */
async function invocations({ sent }: Answer) {
  return Promise.all(
    sent.map(async ({ url, body }) => {
      const message = await UcantoCar.request.decode({ headers: {}, body: Buffer.from(body, "base64") });
      return message.invocations.map((i) => ({ url, issuer: i.issuer.did(), proofs: i.proofs.length, capability: i.capabilities[0] as { can: string; with: string; nb: { blob: { digest: Uint8Array; size: number } } } }));
    }),
  ).then((all) => all.flat());
}

let creds: Awaited<ReturnType<typeof credentials>>;
let mf: Miniflare;

beforeAll(async () => {
  creds = await credentials();
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("./fixtures/storacha-worker.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    logLevel: "warning",
  });
  mf = new Miniflare({
    modules: [{ type: "ESModule", path: "worker.js", contents: bundle.outputFiles[0]!.text }],
    compatibilityDate: "2026-04-26",
    bindings: { KEY: creds.KEY, PROOF: creds.PROOF },
    host: "127.0.0.1",
    port: 0,
  });
}, 60_000);
afterAll(async () => mf?.dispose());

describe("storachaSink", () => {
  it("is made only when STORACHA_KEY and STORACHA_PROOF are both set", () => {
    expect(storachaSinkFromEnv({})).toBeNull();
    expect(storachaSinkFromEnv({ STORACHA_KEY: "Mg..." })).toBeNull();
    expect(storachaSinkFromEnv({ STORACHA_PROOF: "m..." })).toBeNull();
    expect(storachaSinkFromEnv({ STORACHA_KEY: "Mg...", STORACHA_PROOF: "m..." })).not.toBeNull();
  });

  const runs: [string, () => Promise<Answer>][] = [
    ["in Node", async () => (await worker.fetch(new Request("http://sink/", { method: "POST", body: BYTES }), creds)).json() as Promise<Answer>],
    ["in workerd", async () => (await mf.dispatchFetch("http://sink/", { method: "POST", body: BYTES })).json() as Promise<Answer>],
  ];
  for (const [where, run] of runs) {
    it(`asks for the CAR of our DAG to be added to the delegated space, signed by the agent (${where})`, async () => {
      const blocks: Block[] = [];
      const root = await cidOf(BYTES, blocks);
      const car = encodeCar(root, depthFirst(root, blocks));
      // The client logs each failed attempt; here every attempt fails by design.
      const warned = vi.spyOn(console, "warn").mockImplementation(() => {});
      const answer = await run().finally(() => warned.mockRestore());
      expect(answer.error).toMatch(/503/);
      const [first, ...rest] = await invocations(answer);
      expect(first).toMatchObject({ url: "https://up.storacha.network/", issuer: creds.agent, proofs: 1, capability: { can: "space/blob/add", with: creds.space } });
      expect(first!.capability.nb.blob.size).toBe(car.length);
      expect(Array.from(first!.capability.nb.blob.digest)).toEqual(Array.from((await sha256.digest(car)).bytes));
      // Nothing else was asked of the service before the blob was allocated.
      for (const other of rest) expect(other.capability.can).toBe("space/blob/add");
    }, 30_000);
  }

  it("refuses a proof delegated to another agent, and bytes that are not the CID's", async () => {
    const stranger = await credentials();
    const sink = storachaSinkFromEnv({ STORACHA_KEY: creds.KEY, STORACHA_PROOF: stranger.PROOF })!;
    await expect(sink.put(String(await cidOf(BYTES)), BYTES)).rejects.toThrow(`the proof is for ${stranger.agent}, not the key's ${creds.agent}`);
    const hello = String(await cidOf(new TextEncoder().encode("hello\n")));
    await expect(storachaSinkFromEnv({ STORACHA_KEY: creds.KEY, STORACHA_PROOF: creds.PROOF })!.put(hello, BYTES)).rejects.toThrow(/are bafy/);
  });
});
