/**
 * The IPFS Pinning Service API (https://ipfs.github.io/pinning-services-api-spec/):
 * asks a pinning service to keep a CID on IPFS. The service fetches the
 * bytes itself (from `origins`, or, with services that take it, the
 * trustless gateway named in `meta`), so the sink runs after R2 has them.
 */
import type { WarmSink } from "./warm.ts";

export type PinState = "queued" | "pinning" | "pinned" | "failed";
const STATES: readonly string[] = ["queued", "pinning", "pinned", "failed"];

export interface Pin {
  readonly cid: string;
  readonly name?: string;
  /** Multiaddrs known to provide the data. */
  readonly origins?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
}

export interface PinStatus {
  readonly requestid: string;
  readonly status: PinState;
  readonly created: string;
  readonly pin: Pin;
  readonly delegates: readonly string[];
  readonly info?: Readonly<Record<string, string>>;
}

export interface PinResults {
  readonly count: number;
  readonly results: readonly PinStatus[];
}

export interface PinFilter {
  readonly cid?: readonly string[];
  readonly name?: string;
  readonly status?: readonly PinState[];
  readonly before?: string;
  readonly after?: string;
  readonly limit?: number;
  readonly meta?: Readonly<Record<string, string>>;
}

/** The service refused a request: the HTTP status and the spec's `{error: {reason, details}}`. */
export class PinningServiceError extends Error {
  override readonly name: string = "PinningServiceError";
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly details?: string,
  ) {
    super(`pinning service answered ${status} ${reason}${details ? `: ${details}` : ""}`);
  }
}

/** 401: the access token is missing or not accepted. */
export class PinningUnauthorizedError extends PinningServiceError {
  override readonly name = "PinningUnauthorizedError";
}

/** The service gave up on a pin (`status: failed`); `pin.info.status_details` may say why. */
export class PinFailedError extends Error {
  override readonly name = "PinFailedError";
  constructor(readonly pin: PinStatus) {
    super(`pinning ${pin.pin.cid} failed${pin.info?.status_details ? `: ${pin.info.status_details}` : ""}`);
  }
}

export interface WaitOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

export interface PinningService {
  add(pin: Pin): Promise<PinStatus>;
  get(requestid: string): Promise<PinStatus>;
  list(filter?: PinFilter): Promise<PinResults>;
  remove(requestid: string): Promise<void>;
  /** Polls `GET /pins/<requestid>` until `pinned` (returned) or `failed` (PinFailedError); throws on timeout. */
  waitFor(requestid: string, options?: WaitOptions): Promise<PinStatus>;
}

export function pinningService(endpoint: string, token: string, fetcher: typeof fetch = fetch): PinningService {
  const base = endpoint.replace(/\/$/, "");
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetcher(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw await failure(res);
    return res;
  };
  const service: PinningService = {
    add: async (pin) => pinStatus(await (await call("POST", "/pins", pin)).json()),
    get: async (requestid) => pinStatus(await (await call("GET", `/pins/${encodeURIComponent(requestid)}`)).json()),
    list: async (filter = {}) => {
      const q = new URLSearchParams();
      for (const cid of filter.cid ?? []) q.append("cid", cid);
      for (const status of filter.status ?? []) q.append("status", status);
      for (const k of ["name", "before", "after"] as const) if (filter[k] !== undefined) q.set(k, filter[k]);
      if (filter.limit !== undefined) q.set("limit", String(filter.limit));
      if (filter.meta) q.set("meta", JSON.stringify(filter.meta));
      const query = q.toString();
      const json = (await (await call("GET", `/pins${query ? `?${query}` : ""}`)).json()) as { count?: unknown; results?: unknown };
      if (typeof json.count !== "number" || !Array.isArray(json.results)) throw new Error("pinning service: malformed PinResults");
      return { count: json.count, results: json.results.map(pinStatus) };
    },
    remove: async (requestid) => void (await call("DELETE", `/pins/${encodeURIComponent(requestid)}`)),
    waitFor: async (requestid, { intervalMs = 1000, timeoutMs = 60_000 } = {}) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await service.get(requestid);
        if (status.status === "pinned") return status;
        if (status.status === "failed") throw new PinFailedError(status);
        if (Date.now() + intervalMs > deadline) throw new Error(`pin ${requestid} (${status.pin.cid}) still ${status.status} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
  };
  return service;
}

export interface PinningSinkOptions {
  /** The pin's name; default `rose-ash <cid>`. */
  readonly name?: (cid: string) => string;
  readonly origins?: readonly string[];
  /** E.g. `{ gateway: "https://<site>" }` for a service that fetches from a trustless gateway. */
  readonly meta?: Readonly<Record<string, string>>;
  /** Wait until the service says `pinned` (a failure throws); by default `put` returns once the request is accepted. */
  readonly wait?: WaitOptions | boolean;
  readonly fetcher?: typeof fetch;
}

/**
 * A WarmSink that asks a pinning service to pin each CID. Use it once the
 * bytes are in R2: the service fetches them from our gateway, which serves
 * them from R2.
 */
export function pinningServiceSink(endpoint: string, token: string, options: PinningSinkOptions = {}): WarmSink {
  const service = pinningService(endpoint, token, options.fetcher);
  return {
    put: async (cid) => {
      const status = await service.add({
        cid,
        name: options.name ? options.name(cid) : `rose-ash ${cid}`,
        ...(options.origins ? { origins: options.origins } : {}),
        ...(options.meta ? { meta: options.meta } : {}),
      });
      if (status.status === "failed") throw new PinFailedError(status);
      if (options.wait) await service.waitFor(status.requestid, options.wait === true ? {} : options.wait);
    },
  };
}

async function failure(res: Response): Promise<PinningServiceError> {
  const text = await res.text().catch(() => "");
  let reason = `HTTP_${res.status}`;
  let details: string | undefined = text || undefined;
  try {
    const error = (JSON.parse(text) as { error?: { reason?: unknown; details?: unknown } }).error;
    if (typeof error?.reason === "string") {
      reason = error.reason;
      details = typeof error.details === "string" ? error.details : undefined;
    }
  } catch {
    // Not the spec's Failure body: keep the text as the details.
  }
  return res.status === 401 ? new PinningUnauthorizedError(401, reason, details) : new PinningServiceError(res.status, reason, details);
}

function pinStatus(json: unknown): PinStatus {
  const s = json as Partial<PinStatus> | null;
  if (!s || typeof s.requestid !== "string" || !STATES.includes(s.status as string) || typeof s.pin?.cid !== "string") {
    throw new Error(`pinning service: malformed PinStatus ${JSON.stringify(json)?.slice(0, 200)}`);
  }
  return s as PinStatus;
}
