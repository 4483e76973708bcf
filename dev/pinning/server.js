// @ts-check
/**
 * A local server speaking the IPFS Pinning Service API
 * (https://ipfs.github.io/pinning-services-api-spec/), so the production
 * pinning adapter runs unchanged in development and tests:
 *
 *   POST   /pins              Pin {cid, name?, origins?, meta?} -> 202 PinStatus (queued)
 *   GET    /pins              ?cid=&name=&status=&before=&after=&limit=&meta= -> PinResults
 *   GET    /pins/:requestid   -> PinStatus
 *   POST   /pins/:requestid   replace: remove, then add -> 202 PinStatus
 *   DELETE /pins/:requestid   -> 202
 *
 * `Authorization: Bearer <token>` is required; errors are the spec's
 * `{"error": {"reason", "details"}}`. A pin is really made: the CID's blocks
 * are fetched from a trustless gateway and verified (dev/pinning/trustless.js)
 * before it is `pinned`; otherwise it ends `failed`. Pin origins are
 * multiaddrs, so the gateway comes from `meta.gateway`, an HTTP multiaddr in
 * `origins`, or the server's `gateway` option, tried in that order. Pin
 * requests are kept in memory (the fetched blocks are checked, then dropped).
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { CID } from "multiformats/cid";
import { fetchVerified, multiaddrToUrl } from "./trustless.js";

/** @typedef {"queued" | "pinning" | "pinned" | "failed"} PinState */
/** @typedef {{ cid: string, name?: string, origins?: string[], meta?: Record<string, string> }} Pin */
/** @typedef {{ requestid: string, status: PinState, created: string, pin: Pin, delegates: string[], info: Record<string, string> }} PinStatus */

const STATES = ["queued", "pinning", "pinned", "failed"];

/**
 * @param {{ token: string, gateway?: string, port?: number }} options
 * @returns {Promise<{ url: string, pins: Map<string, PinStatus>, close(): Promise<void> }>}
 */
export async function startPinningServer({ token, gateway, port = 0 }) {
  /** @type {Map<string, PinStatus>} */
  const pins = new Map();
  let lastCreated = 0;
  /** Where peers could send us data (the spec requires one); set once listening. */
  let delegates = /** @type {string[]} */ ([]);

  /** @param {Pin} pin */
  const add = (pin) => {
    // `created` orders and paginates pins, so it is unique.
    lastCreated = Math.max(Date.now(), lastCreated + 1);
    /** @type {PinStatus} */
    const status = { requestid: randomUUID(), status: "queued", created: new Date(lastCreated).toISOString(), pin, delegates, info: {} };
    pins.set(status.requestid, status);
    void pinIt(status);
    return status;
  };

  /** @param {PinStatus} status */
  const pinIt = async (status) => {
    await Promise.resolve();
    status.status = "pinning";
    const sources = [status.pin.meta?.gateway, ...(status.pin.origins ?? []).map(multiaddrToUrl), gateway].filter((s) => typeof s === "string");
    const problems = [];
    for (const source of sources) {
      try {
        const fetched = await fetchVerified(source, status.pin.cid);
        Object.assign(status, { status: "pinned", info: { raw_size: String(fetched.size), dag_size: String([...fetched.blocks.values()].reduce((n, b) => n + b.length, 0)) } });
        return;
      } catch (e) {
        problems.push(`${source}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    Object.assign(status, { status: "failed", info: { status_details: problems.join("; ") || "no gateway to fetch from (meta.gateway, an HTTP origin, or the server's gateway)" } });
  };

  /** @param {unknown} body @returns {Pin | string} */
  const parsePin = (body) => {
    const pin = /** @type {Partial<Pin> | null} */ (body);
    if (!pin || typeof pin !== "object" || typeof pin.cid !== "string") return "a Pin is an object with a cid";
    try {
      CID.parse(pin.cid);
    } catch {
      return `not a CID: ${pin.cid}`;
    }
    if (pin.name !== undefined && (typeof pin.name !== "string" || pin.name.length > 255)) return "name is a string of at most 255 characters";
    if (pin.origins !== undefined && (!Array.isArray(pin.origins) || pin.origins.length > 20 || pin.origins.some((o) => typeof o !== "string"))) return "origins is a list of at most 20 multiaddrs";
    if (pin.meta !== undefined && (typeof pin.meta !== "object" || pin.meta === null || Object.values(pin.meta).some((v) => typeof v !== "string"))) return "meta maps strings to strings";
    return { cid: pin.cid, ...(pin.name !== undefined && { name: pin.name }), ...(pin.origins && { origins: pin.origins }), ...(pin.meta && { meta: pin.meta }) };
  };

  /** @param {URLSearchParams} q @returns {{ count: number, results: PinStatus[] } | string} */
  const list = (q) => {
    const many = (/** @type {string} */ k) => q.getAll(k).flatMap((v) => v.split(",")).filter(Boolean);
    const cids = many("cid");
    // With no filter at all, only successful pins (as the spec says).
    const states = many("status");
    if (states.some((s) => !STATES.includes(s))) return `status is one of ${STATES.join(", ")}`;
    const filtered = [...q.keys()].some((k) => k !== "limit");
    const wanted = states.length ? states : filtered ? STATES : ["pinned"];
    const limit = q.has("limit") ? Number(q.get("limit")) : 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return "limit is an integer from 1 to 1000";
    const name = q.get("name");
    const before = q.has("before") ? Date.parse(String(q.get("before"))) : Infinity;
    const after = q.has("after") ? Date.parse(String(q.get("after"))) : -Infinity;
    if (Number.isNaN(before) || Number.isNaN(after)) return "before and after are RFC 3339 timestamps";
    /** @type {Record<string, string>} */
    let meta = {};
    try {
      meta = q.has("meta") ? JSON.parse(String(q.get("meta"))) : {};
    } catch {
      return "meta is a JSON object";
    }
    const matches = [...pins.values()]
      .filter((p) => wanted.includes(p.status) && (!cids.length || cids.includes(p.pin.cid)) && (name === null || p.pin.name === name))
      .filter((p) => Date.parse(p.created) < before && Date.parse(p.created) > after)
      .filter((p) => Object.entries(meta).every(([k, v]) => p.pin.meta?.[k] === v))
      .sort((a, b) => b.created.localeCompare(a.created));
    return { count: matches.length, results: matches.slice(0, limit) };
  };

  const server = createServer(async (req, res) => {
    /** @param {number} status @param {unknown} [body] */
    const send = (status, body) => {
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    /** @param {number} status @param {string} reason @param {string} details */
    const fail = (status, reason, details) => send(status, { error: { reason, details } });
    if (req.headers.authorization !== `Bearer ${token}`) return fail(401, "UNAUTHORIZED", "Access token is missing or invalid");
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, top, id, extra] = url.pathname.split("/");
    if (top !== "pins" || extra !== undefined) return fail(404, "NOT_FOUND", `no such endpoint: ${req.method} ${url.pathname}`);
    let body;
    if (req.method === "POST") {
      let text = "";
      for await (const chunk of req) text += chunk;
      try {
        body = JSON.parse(text);
      } catch {
        return fail(400, "BAD_REQUEST", "the body is not JSON");
      }
    }
    if (!id) {
      if (req.method === "GET") {
        const found = list(url.searchParams);
        return typeof found === "string" ? fail(400, "BAD_REQUEST", found) : send(200, found);
      }
      if (req.method !== "POST") return fail(405, "METHOD_NOT_ALLOWED", "GET or POST /pins");
      const pin = parsePin(body);
      return typeof pin === "string" ? fail(400, "BAD_REQUEST", pin) : send(202, add(pin));
    }
    const existing = pins.get(decodeURIComponent(id));
    if (!existing) return fail(404, "NOT_FOUND", `no pin request ${id}`);
    if (req.method === "GET") return send(200, existing);
    if (req.method === "DELETE") return (pins.delete(existing.requestid), send(202));
    if (req.method !== "POST") return fail(405, "METHOD_NOT_ALLOWED", "GET, POST or DELETE /pins/{requestid}");
    const pin = parsePin(body);
    if (typeof pin === "string") return fail(400, "BAD_REQUEST", pin);
    pins.delete(existing.requestid);
    return send(202, add(pin));
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  delegates = [`/ip4/127.0.0.1/tcp/${address.port}/http`];
  return {
    url: `http://127.0.0.1:${address.port}`,
    pins,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
