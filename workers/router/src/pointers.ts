/**
 * `GET /ipns/<name>`: what a pointer name resolves to, as JSON (name, CID,
 * sequence, time, IPNS name), or with `Accept: application/vnd.ipfs.ipns-record`
 * the signed IPNS record itself. (`GET /ipfs/<cid>` is @rose-ash/content's `serveContent`.)
 */
import type { IpnsPointer } from "@rose-ash/durable-objects";

export interface PointerBindings {
  POINTERS?: DurableObjectNamespace<IpnsPointer>;
  /** The warm tier's embedded store (CID-keyed). */
  WARM?: R2Bucket;
}

export async function resolvePointer(request: Request, env: PointerBindings): Promise<Response> {
  if (!env.POINTERS) return new Response("No pointers here (the POINTERS binding)", { status: 503 });
  const raw = new URL(request.url).pathname.slice("/ipns/".length);
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    return new Response("Bad pointer name", { status: 400 });
  }
  const stub = env.POINTERS.get(env.POINTERS.idFromName(name));
  const [pointer, signed] = await Promise.all([stub.current(), stub.record()]);
  if (!pointer) return Response.json({ error: `no pointer named ${name}` }, { status: 404 });
  const headers = { "cache-control": "no-cache", etag: `"${pointer.cid}"` };
  if (request.headers.get("accept")?.includes("application/vnd.ipfs.ipns-record") && signed) {
    return new Response(signed.record, { headers: { ...headers, "content-type": "application/vnd.ipfs.ipns-record" } });
  }
  return Response.json({ ...pointer, ipnsName: signed?.ipnsName ?? null }, { headers });
}
