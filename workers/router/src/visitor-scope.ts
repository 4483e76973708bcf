/**
 * What per-visitor caches (filled holes, user-scoped components) are keyed
 * with: the visitor's session, its user and its version (every action bumps
 * it), or `anon`. An ended session (signed out, or out everywhere) must not
 * be served what was kept for it: its id is marked ended in this isolate and
 * in the hot tier for as long as anything is kept per visitor, and a visitor
 * whose session ended gets no scope, so their parts are made afresh (and
 * find no user). Other isolates see the mark within SESSION_CHECK_MS.
 */
import { hotKey, type HotCache } from "@rose-ash/content";
import { Lru, USER_TTL_S } from "@rose-ash/executor";
import type { Session } from "./session.ts";

/** How long this isolate trusts that a session was not ended, before asking the hot tier again. */
const SESSION_CHECK_MS = 1000;

/** Sessions known here to have ended, and ones the hot tier said had not (for SESSION_CHECK_MS). */
const ended = new Lru<true>(10_000, () => 1);
const notEnded = new Lru<true>(10_000, () => 1);

const endedKey = (sid: string) => hotKey(`session-ended ${sid}`, null);

/** The scope to keep this visitor's parts under, or null when nothing kept for them may be used. */
export async function visitorScope(session: Session, hot: HotCache | null): Promise<string | null> {
  const d = await session.data();
  if (!d) return "anon";
  if (d.uid !== null && (await sessionEnded(d.sid, hot))) return null;
  return `${d.sid}.${d.uid ?? "-"}.${d.v ?? 0}`;
}

/** Mark sessions ended, here and (for USER_TTL_S, as long as anything is kept for them) in the hot tier. */
export async function markSessionsEnded(sids: readonly string[], hot: HotCache | null): Promise<void> {
  for (const sid of sids) ended.set(sid, true);
  if (hot) await Promise.all(sids.map((sid) => hot.put(endedKey(sid), "1", USER_TTL_S)));
}

async function sessionEnded(sid: string, hot: HotCache | null): Promise<boolean> {
  if (ended.get(sid)) return true;
  if (notEnded.get(sid) || !hot) return false;
  const marked = (await hot.get(endedKey(sid)).catch(() => null)) !== null;
  if (marked) ended.set(sid, true);
  else notEnded.set(sid, true, SESSION_CHECK_MS / 1000);
  return marked;
}
