/**
 * IpnsPointer: one Durable Object per name (a shared page's is
 * `page:<route key> <path>[ htmx]`) holding the name's current CID, a
 * sequence that only grows, when it moved, and a bounded history.
 *
 * `publish` is compare-and-swap on the sequence: it moves the pointer only
 * when the caller saw the current sequence, so under many concurrent
 * publishers no update is lost or reordered (a loser re-reads and decides).
 * An input key already applied (a queue or webhook delivered twice) and a
 * CID equal to the current one move nothing (the latter takes its input key). Each move is signed as an IPNS
 * record. The read-modify-write below awaits only this object's storage, so
 * Durable Objects' input gates make it atomic.
 */
import { DurableObject } from "cloudflare:workers";
import { REPUBLISH_MS, ipnsPublisher, signRecord, type SignedRecord } from "@rose-ash/content";


export const HISTORY_LIMIT = 32;

export interface Pointer {
  readonly name: string;
  readonly cid: string;
  readonly sequence: number;
  /** When it moved (ISO 8601). */
  readonly time: string;
  /** The input key (idempotency key) of the render that produced this CID. */
  readonly inputKey: string | null;
  /** The name no longer has a shared page (it is gone, or now per visitor): `cid` is the last one it had. */
  readonly retired?: true;
}

export interface PublishRequest {
  readonly name: string;
  readonly cid: string;
  /** The sequence the caller read (0 when the name had no pointer). */
  readonly expectedSequence: number;
  readonly inputKey?: string | null;
}

export type PublishResult =
  | { readonly status: "moved"; readonly pointer: Pointer; readonly ipnsName: string }
  | { readonly status: "unchanged"; readonly pointer: Pointer }
  | { readonly status: "conflict"; readonly pointer: Pointer | null };

export interface PointerEnv {
  /** Signs IPNS records (a secret in production). */
  IPNS_SECRET?: string;
  /** A Delegated Routing V1 endpoint each signed record is also published to (`PUT /routing/v1/ipns/<name>`). */
  IPNS_ROUTING_URL?: string;
}

export class IpnsPointer extends DurableObject<PointerEnv> {
  async current(): Promise<Pointer | null> {
    return (await this.ctx.storage.get<Pointer>("current")) ?? null;
  }

  async history(): Promise<Pointer[]> {
    return (await this.ctx.storage.get<Pointer[]>("history")) ?? [];
  }

  /**
   * A name given to renders is claimed by the latest render asked for under
   * it (its input key): a render that lands later but was asked for earlier
   * does not take the name back. Null when nobody claimed it.
   */
  async claim(inputKey: string): Promise<void> {
    await this.ctx.storage.put("claim", inputKey);
  }

  async claimed(): Promise<string | null> {
    return (await this.ctx.storage.get<string>("claim")) ?? null;
  }

  /** The signed IPNS record of the current pointer, or null. */
  async record(): Promise<{ ipnsName: string; record: Uint8Array } | null> {
    return (await this.ctx.storage.get<{ ipnsName: string; record: Uint8Array }>("record")) ?? null;
  }

  /**
   * The name has no shared page any more (its render is now a 404, a
   * redirect, or per visitor): look-ups miss and render live. Compare-and-swap
   * like `publish`; the next publish moves it on from here.
   */
  async retire(req: { readonly expectedSequence: number }): Promise<{ status: "retired" | "unchanged" | "conflict"; pointer: Pointer | null }> {
    const current = await this.current();
    if (!current || current.retired) return { status: "unchanged", pointer: current };
    if (current.sequence !== req.expectedSequence) return { status: "conflict", pointer: current };
    const pointer: Pointer = { ...current, sequence: current.sequence + 1, time: new Date().toISOString(), inputKey: null, retired: true };
    await this.move(pointer);
    return { status: "retired", pointer };
  }

  private async move(pointer: Pointer): Promise<void> {
    await this.ctx.storage.put({ current: pointer, history: [pointer, ...(await this.history())].slice(0, HISTORY_LIMIT) });
  }

  async publish(req: PublishRequest): Promise<PublishResult> {
    const current = await this.current();
    // The same bytes, or the render of the same input delivered again: nothing moves. (Data that
    // changed and changed back is a new render of an old input, and moves the pointer back.)
    if (current && !current.retired && (current.cid === req.cid || (req.inputKey && current.inputKey === req.inputKey))) {
      // The same bytes from new input (data changed where the page does not show it): it takes the
      // new input key, so that asking its calls again matches. The sequence and the record stay.
      if (current.cid === req.cid && req.inputKey && current.inputKey !== req.inputKey && current.sequence === req.expectedSequence) {
        const pointer: Pointer = { ...current, inputKey: req.inputKey };
        await this.ctx.storage.put("current", pointer);
        return { status: "unchanged", pointer };
      }
      return { status: "unchanged", pointer: current };
    }
    if ((current?.sequence ?? 0) !== req.expectedSequence) return { status: "conflict", pointer: current };
    const pointer: Pointer = { name: req.name, cid: req.cid, sequence: (current?.sequence ?? 0) + 1, time: new Date().toISOString(), inputKey: req.inputKey ?? null };
    // The move is stored before signing: other publishes may run while the signature is computed.
    await this.move(pointer);
    const signed = await this.sign(pointer);
    return { status: "moved", pointer, ipnsName: signed.ipnsName };
  }

  /**
   * Records are valid for two days: a name that does not move is re-signed
   * (same value and sequence, a new validity) and pushed again every day. A
   * retired name is left to expire.
   */
  override async alarm(): Promise<void> {
    const current = await this.current();
    if (current && !current.retired) await this.sign(current);
  }

  /** Sign the pointer as an IPNS record, keep it, push it to the routing service, and schedule the next re-signing. */
  private async sign(pointer: Pointer): Promise<SignedRecord> {
    const signed = await signRecord(this.env.IPNS_SECRET ?? "development-only-ipns-secret", pointer.name, pointer.cid, pointer.sequence);
    // A slower signature for an older move must not overwrite a newer one.
    const latest = await this.current();
    if (latest?.sequence !== pointer.sequence) return signed;
    await this.ctx.storage.put("record", signed);
    await this.ctx.storage.setAlarm(Date.now() + REPUBLISH_MS);
    // The routing service keeps the record with the highest sequence (then validity), so pushes may arrive in any order.
    const routing = this.env.IPNS_ROUTING_URL;
    if (routing) {
      this.ctx.waitUntil(
        ipnsPublisher(routing)
          .publish(signed.ipnsName, signed.record)
          .catch((e: unknown) => console.error(`IPNS publish of ${pointer.name}: ${e instanceof Error ? e.message : String(e)}`)),
      );
    }
    return signed;
  }
}
