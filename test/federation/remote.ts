/**
 * A plain ActivityPub server, as Mastodon is one to the instances under
 * test: one actor with an RSA key only, HTTP Signatures in the cavage draft
 * only (an RFC 9421 signature gets a 401, so a sender must fall back to
 * cavage; each cavage signature is verified against its key), JSON written
 * by hand (no Fedify vocabulary). It answers a Follow
 * with a signed Accept, keeps what arrives in its inbox, serves whatever
 * objects a test gives it, and sends activities, signed or tampered with.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Temporal } from "@js-temporal/polyfill";
import { exportSpki, getDocumentLoader } from "@fedify/vocab-runtime";
import { signRequest, verifyRequest } from "@fedify/fedify";

/** Keys and contexts are fetched from the instances under test, on 127.0.0.1. */
const loader = getDocumentLoader({ allowPrivateAddress: true });

export const AS_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];

export interface Received {
  readonly path: string;
  readonly headers: Record<string, string>;
  /** Whose key the (verified) cavage signature was made with: its owner, or the key's id. */
  readonly signer: string | null;
  readonly body: { type?: string; id?: string; actor?: string; object?: unknown; [key: string]: unknown };
}

export interface Tamper {
  /** Change the body after signing (its Digest as signed). */
  body?: (json: string) => string;
  /** Sign with this key id instead of the actor's own (a key document elsewhere). */
  keyId?: string;
  /** Change the headers after signing (recompute the Digest, drop the Signature, ...). */
  headers?: (headers: Headers, body: string) => void | Promise<void>;
  /** Sign as of this time (a stale Date). */
  at?: Date;
  /** Send to this URL instead of the one signed for (another inbox). */
  deliverTo?: string;
}

export class RemoteServer {
  readonly inbox: Received[] = [];
  readonly objects = new Map<string, unknown>();
  /** GETs answered, by path (what the instances under test fetched). */
  readonly fetched = new Map<string, number>();
  /** Paths that answer 503 this many more times (an origin that is down for a while). */
  readonly down = new Map<string, number>();
  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly keys: CryptoKeyPair,
    private readonly publicKeyPem: string,
  ) {}

  static async start(username = "mallory"): Promise<RemoteServer> {
    const keys = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const pem = await exportSpki(keys.publicKey);
    let self: RemoteServer | null = null;
    const server = createServer((req, res) => {
      void self!.answer(req).then(
        ({ status, body }) => {
          res.writeHead(status, { "content-type": "application/activity+json" });
          res.end(body === null ? "" : JSON.stringify(body));
        },
        (e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    self = new RemoteServer(server, origin, keys, pem);
    self.username = username;
    return self;
  }

  username = "mallory";

  get actorId(): string {
    return `${this.origin}/users/${this.username}`;
  }

  get keyId(): string {
    return `${this.actorId}#main-key`;
  }

  actor() {
    return {
      "@context": AS_CONTEXT,
      id: this.actorId,
      type: "Person",
      preferredUsername: this.username,
      name: "Mallory (a Mastodon-style server)",
      inbox: `${this.actorId}/inbox`,
      outbox: `${this.actorId}/outbox`,
      followers: `${this.actorId}/followers`,
      endpoints: { sharedInbox: `${this.origin}/inbox` },
      publicKey: { id: this.keyId, owner: this.actorId, publicKeyPem: this.publicKeyPem },
    };
  }

  private async answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const path = new URL(req.url ?? "/", this.origin).pathname;
    if (req.method === "GET") this.fetched.set(path, (this.fetched.get(path) ?? 0) + 1);
    const down = this.down.get(path) ?? 0;
    if (down > 0) {
      this.down.set(path, down - 1);
      return { status: 503, body: { error: "down for a while" } };
    }
    if (req.method === "GET" && path === `/users/${this.username}`) return { status: 200, body: this.actor() };
    if (req.method === "GET" && path === "/.well-known/webfinger") {
      return { status: 200, body: { subject: `acct:${this.username}@${new URL(this.origin).host}`, links: [{ rel: "self", type: "application/activity+json", href: this.actorId }] } };
    }
    if (req.method === "GET" && this.objects.has(path)) return { status: 200, body: this.objects.get(path) };
    if (req.method === "POST" && (path === "/inbox" || path === `/users/${this.username}/inbox`)) {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      // Cavage only, as a server that knows nothing newer: a signature it cannot check is refused.
      if (!headers.signature || headers["signature-input"]) return { status: 401, body: { error: "an HTTP Signature (draft-cavage-http-signatures-12) is required" } };
      const request = new Request(`${this.origin}${req.url}`, { method: "POST", headers, body: raw });
      const key = await verifyRequest(request, { documentLoader: loader, contextLoader: loader, spec: "draft-cavage-http-signatures-12" });
      if (!key) return { status: 401, body: { error: "the signature does not verify" } };
      const body = JSON.parse(raw) as Received["body"];
      this.inbox.push({ path, headers, body, signer: key.ownerId?.href ?? key.id?.href ?? null });
      if (body.type === "Follow" && typeof body.actor === "string") await this.accept(body);
      return { status: 202, body: null };
    }
    return { status: 404, body: { error: "not found" } };
  }

  /** Answer a Follow as Mastodon does: an Accept with the Follow inside, to the follower's inbox. */
  private async accept(follow: Received["body"]): Promise<void> {
    const actor = (await (await fetch(follow.actor as string, { headers: { accept: "application/activity+json" } })).json()) as { inbox: string };
    await this.send(actor.inbox, { "@context": AS_CONTEXT, id: `${this.actorId}#accepts/${crypto.randomUUID()}`, type: "Accept", actor: this.actorId, object: follow });
  }

  /** Sign (cavage, this actor's RSA key) and POST an activity; the response's status. */
  async send(inbox: string, activity: object, tamper: Tamper = {}): Promise<number> {
    const json = JSON.stringify(activity);
    const unsigned = new Request(inbox, { method: "POST", headers: { "content-type": "application/activity+json", accept: "application/activity+json" }, body: json });
    const signed = await signRequest(unsigned, this.keys.privateKey, new URL(tamper.keyId ?? this.keyId), {
      spec: "draft-cavage-http-signatures-12",
      ...(tamper.at ? { currentTime: Temporal.Instant.from(tamper.at.toISOString()) as never } : {}),
    });
    const body = tamper.body ? tamper.body(json) : json;
    const headers = new Headers(signed.headers);
    await tamper.headers?.(headers, body);
    const response = await fetch(tamper.deliverTo ?? inbox, { method: "POST", headers, body });
    await response.body?.cancel();
    return response.status;
  }

  /** This server's public key as a key document that says another actor owns it (what a forger would serve). */
  keyClaimingOwner(path: string, owner: string): string {
    const id = `${this.origin}${path}`;
    this.objects.set(path, { "@context": AS_CONTEXT, id, type: "Key", owner, publicKeyPem: this.publicKeyPem });
    return id;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The Digest header of a body, as the cavage draft has it (SHA-256, base64). */
export async function digestOf(body: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  return `SHA-256=${Buffer.from(hash).toString("base64")}`;
}
