/**
 * Callbacks: when a job that names one ends, its result is POSTed there as
 * JSON, signed as the edge signs its webhooks (signature.ts), each attempt
 * with a fresh timestamp. A network error, a timeout, 408, 429 or 5xx is
 * tried again after a backoff that doubles (bounded attempts); any other
 * answer ends it (2xx: delivered; another 4xx: refused, logged).
 */
import { signedHeaders } from "@rose-ash/content";

export interface CallbackOptions {
  readonly secret: string;
  /** Attempts in all (default 5). */
  readonly attempts?: number;
  /** The first wait between attempts in ms, doubled each time (default 1000). */
  readonly backoffMs?: number;
  /** One attempt's limit in ms (default 10000). */
  readonly timeoutMs?: number;
  readonly fetcher?: typeof fetch;
  readonly log?: (line: string) => void;
}

export interface CallbackOutcome {
  readonly delivered: boolean;
  readonly attempts: number;
  /** The last answer's status, or null when none came. */
  readonly status: number | null;
}

const retriable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Whether `url` may be called back: http or https, nothing else. */
export function callbackUrl(url: unknown): URL | null {
  if (typeof url !== "string" || url.length > 2048) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u : null;
  } catch {
    return null;
  }
}

export async function deliverCallback(url: string, payload: unknown, options: CallbackOptions): Promise<CallbackOutcome> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const backoff = options.backoffMs ?? 1000;
  const fetcher = options.fetcher ?? fetch;
  const log = options.log ?? (() => {});
  const body = JSON.stringify(payload);
  let status: number | null = null;
  let why = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, backoff * 2 ** (attempt - 2)));
    try {
      const response = await fetcher(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(await signedHeaders(options.secret, body)) },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      status = response.status;
      await response.body?.cancel().catch(() => {});
      if (response.ok) return { delivered: true, attempts: attempt, status };
      why = `answered ${status}`;
      if (!retriable(status)) {
        log(`callback ${url} ${why}: not tried again`);
        return { delivered: false, attempts: attempt, status };
      }
    } catch (e) {
      status = null;
      why = e instanceof Error ? (e.name === "TimeoutError" ? "timed out" : `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}`) : String(e);
    }
    log(`callback ${url} attempt ${attempt}/${attempts} failed: ${why}`);
  }
  return { delivered: false, attempts, status };
}
