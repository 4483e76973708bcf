/**
 * What this instance does with what arrives in its inboxes. Fedify has
 * checked the HTTP signature (cavage or RFC 9421) or the object proof, that
 * the signer is the activity's actor, and the request's date, before any of
 * this runs; each activity is taken in once (a replay is noted and dropped).
 *
 * Follow    a follower is kept and answered with a signed Accept.
 * Undo      of a Follow: the follower is let go.
 * Accept    of a Follow this instance sent: it now follows (Reject: it does not).
 * Create,   of a Document (a post, or a component its instance shares):
 * Update    re-fetched from its origin, verified and kept (receive.ts);
 *           whatever fails, the last good version stays.
 * Delete    of a Document kept here: gone once its origin says so too.
 *
 * A new follower of the site is sent the site's shared components as they
 * are (publish.ts's sendComponentsTo), after its Accept.
 */
import type { Federation, InboxContext } from "@fedify/fedify";
import { Accept, Activity, Create, Delete, Follow, Reject, Undo, Update, isActor } from "@fedify/vocab";
import { FederationRefusal } from "@rose-ash/federation";
import type { FedData } from "./context.ts";
import { SITE_ACTOR } from "./documents.ts";
import { sendComponentsTo } from "./publish.ts";
import { receiveDelete, receiveDocument } from "./receive.ts";

export function listenToInbox(fed: Federation<FedData>): void {
  fed
    .setInboxListeners("/ap/users/{identifier}/inbox", "/ap/inbox")
    .on(Follow, (ctx, follow) => once(ctx, follow, () => onFollow(ctx, follow)))
    .on(Undo, (ctx, undo) => once(ctx, undo, () => onUndo(ctx, undo)))
    .on(Accept, (ctx, accept) => once(ctx, accept, () => onAnswer(ctx, accept, "accepted")))
    .on(Reject, (ctx, reject) => once(ctx, reject, () => onAnswer(ctx, reject, "rejected")))
    .on(Create, (ctx, create) => once(ctx, create, () => receiveDocument(ctx, create)))
    .on(Update, (ctx, update) => once(ctx, update, () => receiveDocument(ctx, update)))
    .on(Delete, (ctx, del) => once(ctx, del, () => receiveDelete(ctx, del)))
    .onError((_ctx, error) => console.error(`federation inbox: ${error instanceof Error ? error.message : String(error)}`));
}

/**
 * Take an activity in once: noted (with its actor and object) before it is
 * handled, its outcome after. A refusal is an outcome, with its reason, and
 * final. Anything else that fails (the database, an origin that does not
 * answer) is noted as failed and thrown: Fedify answers 500, the sender tries
 * again, and the retry is taken in (`record-activity` lets a failed one in).
 */
async function once(ctx: InboxContext<FedData>, activity: Activity, handle: () => Promise<string | null>): Promise<void> {
  const id = activity.id?.href;
  const actor = activity.actorId?.href;
  if (!id || !actor) return void console.warn("federation inbox: an activity without an id or actor was ignored");
  const type = activityType(activity);
  if (!(await ctx.data.store.firstSight(id, type, actor, activity.objectId?.href ?? null))) return; // seen before: processed once
  let note: string | null;
  try {
    note = await handle();
  } catch (e) {
    const refused = e instanceof FederationRefusal;
    const reason = refused ? `${e.reason}: ${e.message}` : `failed, to be tried again: ${e instanceof Error ? e.message : String(e)}`;
    await ctx.data.store.outcome(id, refused ? "refused" : "failed", reason).catch(() => {});
    console.warn(`federation inbox: ${type} ${id} from ${actor} ${refused ? "refused" : "failed"}: ${reason}`);
    if (refused) return;
    throw e;
  }
  await ctx.data.store.outcome(id, "accepted", note);
}

/** An activity's type as ActivityStreams names it ("Create"): from its class's type id, which minifying leaves alone. */
export function activityType(activity: Activity): string {
  return (activity.constructor as typeof Activity).typeId.hash.slice(1);
}

async function onFollow(ctx: InboxContext<FedData>, follow: Follow): Promise<string> {
  const target = ctx.parseUri(follow.objectId);
  if (target?.type !== "actor") throw new FederationRefusal("format", "the Follow's object is not an actor of this instance");
  const identifier = target.identifier;
  if (identifier !== SITE_ACTOR && !(await ctx.data.store.author(identifier))) throw new FederationRefusal("format", `no actor ${identifier} here`);
  const follower = await follow.getActor(ctx);
  if (!follower || !isActor(follower) || !follower.id || !follower.inboxId) throw new FederationRefusal("fetch", "the follower's actor document could not be read");
  const kept = { follower: follower.id.href, inbox: follower.inboxId.href, shared_inbox: follower.endpoints?.sharedInbox?.href ?? null };
  // A Follow again from a follower is answered again, but not sent the components again.
  const already = (await ctx.data.store.followers(identifier)).some((f) => f.follower === kept.follower);
  await ctx.data.store.addFollower(identifier, { ...kept, follow_id: follow.id?.href ?? null });
  await ctx.sendActivity(
    { identifier },
    follower,
    new Accept({ id: new URL(`#accepts/${crypto.randomUUID()}`, ctx.getActorUri(identifier)), actor: ctx.getActorUri(identifier), object: follow }),
  );
  const components = identifier === SITE_ACTOR && !already ? await sendComponentsTo(ctx, kept) : 0;
  return `${follower.id.href} follows ${identifier}${components ? ` (sent ${components} components)` : ""}`;
}

async function onUndo(ctx: InboxContext<FedData>, undo: Undo): Promise<string | null> {
  const object = await undo.getObject(ctx);
  if (!(object instanceof Follow)) return "nothing to undo here";
  const target = ctx.parseUri(object.objectId);
  if (target?.type !== "actor" || object.actorId?.href !== undo.actorId?.href) throw new FederationRefusal("attribution", "an Undo of someone else's Follow");
  await ctx.data.store.removeFollower(target.identifier, undo.actorId!.href);
  return `${undo.actorId!.href} no longer follows ${target.identifier}`;
}

/** An answer to a Follow this instance sent: the Follow's id must be the one it sent, the answer from whom it followed. */
async function onAnswer(ctx: InboxContext<FedData>, answer: Accept | Reject, state: "accepted" | "rejected"): Promise<string> {
  const remote = answer.actorId!.href;
  const followed = await ctx.data.store.followed(remote);
  if (!followed) throw new FederationRefusal("unfollowed", `an answer from ${remote}, which this instance did not ask to follow`);
  const followId = answer.objectId?.href;
  if (!followId) throw new FederationRefusal("format", "the answer does not name the Follow it answers");
  await ctx.data.store.followAnswered(remote, followId, state);
  return `${followed.handle}: ${state}`;
}
