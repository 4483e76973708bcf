/**
 * Storacha (https://storacha.network, the successor of web3.storage) as a
 * WarmSink: each CID's DAG goes up as the blocks we made, so the root
 * Storacha registers is exactly our CID (its own file encoder chunks
 * differently, 1 MiB leaves).
 *
 * Uploads are UCAN invocations: the agent key (STORACHA_KEY, from
 * `storacha key create`) must hold a delegation from the space
 * (STORACHA_PROOF, from `storacha delegation create <agent did> --can
 * space/blob/add --can space/index/add --can upload/add --can filecoin/offer
 * --base64`). That is all an upload needs, so no client store or login.
 *
 * `uploadBlocks`, not the client's `uploadCAR`: uploadCAR reads the CAR
 * through a ReadableStream with an async `start`, and workerd pulls such a
 * stream before `start` has finished ("missing blocks iterator").
 * An upload is several round trips to up.storacha.network (blob allocation,
 * the PUT, receipts, index, upload registration): run it in waitUntil.
 */
import { Signer } from "@storacha/client/principal/ed25519";
import * as Proof from "@storacha/client/proof";
import { uploadServiceConnection } from "@storacha/client/service";
import { uploadBlocks } from "@storacha/upload-client";
import { cidOf, type Block } from "./cid.ts";
import { depthFirst } from "./trustless.ts";
import type { WarmSink } from "./warm.ts";

export interface StorachaEnv {
  /** The agent's private key (`storacha key create`, the `Mg…` string). */
  readonly STORACHA_KEY?: string;
  /** The space's delegation to that agent, base64 (`storacha delegation create … --base64`). */
  readonly STORACHA_PROOF?: string;
}

export interface StorachaOptions {
  readonly key: string;
  readonly proof: string;
  /** Retries of each service request (the client's default when absent). */
  readonly retries?: number;
}

/** A Storacha sink when both secrets are configured; null otherwise (nothing to upload with). */
export function storachaSinkFromEnv(env: StorachaEnv): WarmSink | null {
  return env.STORACHA_KEY && env.STORACHA_PROOF ? storachaSink({ key: env.STORACHA_KEY, proof: env.STORACHA_PROOF }) : null;
}

type Conf = Parameters<typeof uploadBlocks>[0];

/** The invocation config from key + proof: the agent signs, the space is what the proof delegates. */
async function invocationConfig(key: string, proof: string): Promise<Conf> {
  const issuer = Signer.parse(key);
  const delegation = await Proof.parse(proof);
  if (delegation.audience.did() !== issuer.did()) throw new Error(`storacha: the proof is for ${delegation.audience.did()}, not the key's ${issuer.did()}`);
  const spaces = new Set(delegation.capabilities.map((c) => c.with));
  const [space] = spaces;
  if (spaces.size !== 1 || !space?.startsWith("did:key:")) throw new Error(`storacha: the proof must delegate one space, not ${[...spaces].join(", ")}`);
  return { issuer, with: space as `did:key:${string}`, proofs: [delegation] };
}

export function storachaSink({ key, proof, retries }: StorachaOptions): WarmSink {
  // Made at first use, once per isolate (again after a failure): the key and proof are parsed
  // once, and the service connection takes the isolate's fetch then, not at module load.
  let setup: Promise<{ conf: Conf; connection: ReturnType<typeof uploadServiceConnection> }> | undefined;
  const ready = () =>
    (setup ??= invocationConfig(key, proof)
      .then((conf) => ({ conf, connection: uploadServiceConnection() }))
      .catch((e: unknown) => {
        setup = undefined;
        throw e;
      }));
  return {
    put: async (cid, bytes) => {
      const blocks: Block[] = [];
      const root = await cidOf(bytes, blocks);
      if (String(root) !== cid) throw new Error(`storacha: the bytes given for ${cid} are ${root}`);
      const ordered = depthFirst(root, blocks);
      const { conf, connection } = await ready();
      const uploaded = await uploadBlocks(conf, ordered, { rootCID: root, connection, ...(retries === undefined ? {} : { retries }) });
      if (String(uploaded) !== cid) throw new Error(`storacha registered ${uploaded} for ${cid}`);
    },
  };
}
