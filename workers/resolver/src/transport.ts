/**
 * How a request's batches reach the resolver: over a service binding to the
 * resolver Worker (production, and `npm run dev`), or in-process on the
 * caller's own database (a single-Worker deployment, and tests).
 */
import type { App } from "./app.ts";
import type { CircuitBreaker } from "./breaker.ts";
import type { Transport } from "./client.ts";
import type { Db } from "./db.ts";
import { executeBatch } from "./execute.ts";
import type { CallResult } from "./wire.ts";

/** What a service binding offers (a Fetcher, without depending on Workers types here). */
export interface ServiceBinding {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

export function serviceTransport(binding: ServiceBinding): Transport {
  return async (calls, signal) => {
    const res = await binding.fetch("https://resolver/batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ calls }),
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) throw new Error(`the resolver answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const { results } = (await res.json()) as { results: CallResult[] };
    return results;
  };
}

/** Runs batches here; the database is opened on first use. */
export function localTransport(app: App, db: () => Db): Transport {
  return (calls) => executeBatch(app, db(), calls);
}

/**
 * A transport behind a circuit breaker: refused at once while it is open;
 * a batch that fails, is cancelled (its deadline passed) or reports an
 * unreachable database counts as an outage, any other answer as a success.
 */
export function guardedTransport(transport: Transport, breaker: CircuitBreaker): Transport {
  return async (calls, signal) => {
    const { probe } = breaker.admit();
    let reported = false;
    const report = (kind: "outage" | "success") => {
      if (!reported) breaker.report(kind, probe);
      reported = true;
    };
    // A transport that cannot be cancelled (in-process) still counts as failed at its deadline.
    signal?.addEventListener("abort", () => report("outage"), { once: true });
    return transport(calls, signal).then(
      (results) => {
        report(results.some((r) => "unavailable" in r) ? "outage" : "success");
        return results;
      },
      (e: unknown) => {
        report("outage");
        throw e;
      },
    );
  };
}
