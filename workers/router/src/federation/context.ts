/**
 * What Fedify's callbacks are given (its context data): the site, the
 * Worker's bindings, federation's store over the site's database, and where
 * work after the response goes. Made per request or per queued message;
 * `close` lets go of the database connection it may have opened.
 */
import type { Context, Federation } from "@fedify/fedify";
import type { Db } from "@rose-ash/resolver";
import type { ContentChange, Defer, WorkerEnv } from "../env.ts";
import { resolverClient } from "../resolver-client.ts";
import type { Site } from "../site.ts";
import { FederationStore } from "./store.ts";

export interface FedData {
  readonly site: Site;
  readonly env: WorkerEnv;
  readonly store: FederationStore;
  readonly defer: Defer;
  /** A content change this made (a received document): its pages re-render (content-changes.ts, handed in: no import circle). */
  readonly changed: (change: ContentChange) => Promise<unknown>;
}

export function fedData(site: Site, env: WorkerEnv, defer: Defer, changed: FedData["changed"]): { data: FedData; close: () => Promise<void> } {
  const dbs: Db[] = [];
  // One client per call: its reads are not deduplicated across a whole queued batch.
  const store = new FederationStore((op, name, args) => resolverClient(site.app, env, dbs).call(op, "federation", name, args));
  return {
    data: { site, env, store, defer, changed },
    close: async () => {
      for (const db of dbs) await db.close();
    },
  };
}

/** Run `work` in a Fedify context of this origin, the data's database connection closed after. */
export async function withContext<T>(fed: Federation<FedData>, origin: string, { data, close }: ReturnType<typeof fedData>, work: (ctx: Context<FedData>) => Promise<T>): Promise<T> {
  try {
    return await work(fed.createContext(new URL(origin), data));
  } finally {
    await close();
  }
}
