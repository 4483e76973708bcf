/**
 * Federation after a content change: what the site federates published
 * again (publish.ts) when the change could touch its posts or shared pages;
 * the components go too, where a deploy changed them.
 */
import type { Defer, WorkerEnv } from "../env.ts";
import { tablesRead } from "../invalidate.ts";
import type { Site } from "../site.ts";
import { fedData, withContext, type FedData } from "./context.ts";
import { sharedPages } from "./documents.ts";
import { federationFor } from "./federation.ts";
import { publishAll, type Published } from "./publish.ts";

/** Whether a change to these tables can change what the posts or the shared pages federate as (the tables their queries read). */
export function changesFederated(site: Site, tables: readonly string[]): boolean {
  const read = new Set<string>();
  for (const name of ["posts", ...sharedPages(site).map((p) => p.query)]) {
    const q = site.app.env.query("federation", name);
    if (q) for (const t of tablesRead(q.sql)) read.add(t);
  }
  return tables.some((t) => read.has(t.toLowerCase()));
}

/**
 * After a content change: publish again, when the change could touch the
 * posts or shared pages and this instance knows its public origin
 * (PUBLIC_ORIGIN, else the change's).
 */
export async function federateChange(tables: readonly string[], origin: string | undefined, site: Site, env: WorkerEnv, defer: Defer, changed: FedData["changed"]): Promise<Published | null> {
  if (!changesFederated(site, tables)) return null;
  // The site's public origin names its actors and objects; a change's own request's, where none is set (development).
  const at = env.PUBLIC_ORIGIN ?? origin;
  const fed = federationFor(env);
  if (!at || !fed) {
    if (!at) console.warn("federation: what it publishes changed, but this instance's public origin is not known (PUBLIC_ORIGIN): nothing was published");
    return null;
  }
  return withContext(fed, at, fedData(site, env, defer, changed), publishAll);
}
