/**
 * Federation between instances, over HTTP: two instances of the site (A and
 * B, each `npm run dev -- --instance NAME`, fresh state) and a plain
 * Mastodon-style server (test/federation/remote.ts: RSA key, cavage
 * signatures, JSON by hand).
 *
 * A publishes actors (WebFinger, NodeInfo); the Mastodon-style server and B
 * follow it and are accepted with signed Accepts; a post published on A is
 * created on B, where it is rendered from its s-expression with B's own
 * components, layout and stylesheet, and an Update re-renders it.
 *
 * The refusal table: what the remote server sends B that is forged,
 * tampered with, replayed or unsafe is refused, and B's state (the document
 * it keeps from that server, its page) stays as it was.
 */
import { definitionsOf, parse, parseOne } from "@rose-ash/sexp";
import { SEXP_MEDIA_TYPE, describeDefinition, describeDocument } from "@rose-ash/federation";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { contentChanged, devSql, federationState, follow, publishNow, publishPost, unfollow, waitFor } from "../dev/federation.js";
import { startStack } from "../dev/stack.js";
import { AS_CONTEXT, RemoteServer, digestOf, type Tamper } from "./federation/remote.ts";

type Stack = Awaited<ReturnType<typeof startStack>>;

vi.setConfig({ testTimeout: 60_000 });

const PORT_A = 8805;
const PORT_B = 8806;
const ACTIVITY_JSON = { accept: "application/activity+json" };

let a: Stack;
let b: Stack;
let remote: RemoteServer;
const hostA = `127.0.0.1:${PORT_A}`;

beforeAll(async () => {
  remote = await RemoteServer.start("mallory");
  [a, b] = await Promise.all([
    startStack({ port: PORT_A, dbPort: 0, instance: "fed-a", render: false, timeoutMs: 180_000 }),
    startStack({ port: PORT_B, dbPort: 0, instance: "fed-b", render: false, timeoutMs: 180_000 }),
  ]);
  // The seed's posts are A's before anyone follows: published now, they go to no one.
  await publishNow(a.url);
}, 200_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), remote?.close()]);
}, 30_000);

const json = async (url: string, headers: Record<string, string> = ACTIVITY_JSON) => {
  const r = await fetch(url, { headers });
  expect(r.status, `${url}: ${r.status}`).toBe(200);
  return (await r.json()) as Record<string, unknown> & { links?: { rel: string; href: string; type?: string }[] };
};

describe("an instance's actors", () => {
  it("are found with WebFinger, with RSA and Ed25519 keys, and the instance with NodeInfo", async () => {
    const finger = await json(`${a.url}/.well-known/webfinger?resource=acct:hannah@${hostA}`, {});
    const self = finger.links!.find((l) => l.rel === "self")!;
    expect(self.href).toBe(`${a.url}/ap/users/hannah`);
    const hannah = await json(self.href);
    expect(hannah).toMatchObject({ type: "Person", preferredUsername: "hannah", name: "Hannah Pryce", inbox: `${a.url}/ap/users/hannah/inbox` });
    expect((hannah.publicKey as { publicKeyPem: string }).publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
    const methods = hannah.assertionMethod as { publicKeyMultibase: string }[];
    expect(methods).toHaveLength(2); // RSA and Ed25519 (FEP-8b32 proofs)
    expect(methods.some((m) => m.publicKeyMultibase.startsWith("z6Mk"))).toBe(true);

    const site = await json(`${a.url}/ap/users/site`);
    expect(site).toMatchObject({ type: "Application", preferredUsername: "site", name: "Rose Ash (fed-a)" });
    // A user with no published posts is no actor.
    expect((await fetch(`${a.url}/ap/users/nobody`, { headers: ACTIVITY_JSON })).status).toBe(404);

    const nodeinfo = await json(`${a.url}/.well-known/nodeinfo`, {});
    const info = await json(nodeinfo.links![0]!.href, {});
    expect(info).toMatchObject({ software: { name: "rose-ash-edge" }, protocols: ["activitypub"] });
  });
});

describe("following", () => {
  it("a Mastodon-style server (cavage signatures, an RSA key) follows A and gets a signed Accept", async () => {
    const follow = { "@context": AS_CONTEXT, id: `${remote.actorId}#follows/1`, type: "Follow", actor: remote.actorId, object: `${a.url}/ap/users/site` };
    expect(await remote.send(`${a.url}/ap/users/site/inbox`, follow)).toBe(202);
    const accept = await waitFor("A's Accept at the remote server", async () => remote.inbox.find((r) => r.body.type === "Accept"));
    expect(accept.body.actor).toBe(`${a.url}/ap/users/site`);
    expect((accept.body.object as { id: string }).id).toBe(follow.id);
    // Signed with A's actor's RSA key in the cavage draft (the remote refuses RFC 9421, so A fell back), and verified.
    expect(accept.headers.signature).toMatch(/keyId="http:\/\/127\.0\.0\.1:8805\/ap\/users\/site#/);
    expect(accept.signer).toMatch(new RegExp(`^${a.url}/ap/users/site`));
    expect((await federationState(a.url)).followers.map((f) => f.follower)).toContain(remote.actorId);
  });

  it("B follows A by its handle, and A accepts", async () => {
    const answer = await follow(b.url, `site@${hostA}`);
    expect(answer).toMatchObject({ following: `${a.url}/ap/users/site`, state: "pending" });
    await waitFor("A's Accept at B", async () => (await federationState(b.url)).following.find((f) => f.remote === `${a.url}/ap/users/site` && f.state === "accepted"));
    expect((await federationState(a.url)).followers.map((f) => f.follower)).toContain(`${b.url}/ap/users/site`);
  });

  it("A sends its new follower B the components it shares, which B verifies and keeps", async () => {
    const shared = await json(`${a.url}/ap/components/~post-article`);
    expect(shared).toMatchObject({ type: "Document", name: "~post-article", attributedTo: `${a.url}/ap/users/site` });
    expect((shared.source as { content: string }).content).toMatch(/^\(defcomp ~post-article /);
    // A component that reads data (a query) is not shared: others could not use it.
    expect((await fetch(`${a.url}/ap/components/~market-picks`, { headers: ACTIVITY_JSON })).status).toBe(404);
    const kept = await waitFor("A's ~post-article kept on B", async () => (await federationState(b.url)).components.find((c) => c.name === "~post-article" && c.instance === hostA), 45_000);
    expect(kept.local).toBe(`/fed/components/${hostA}/~post-article/`);
    const page = await (await fetch(b.url + kept.local)).text();
    expect(page).toContain("<h1><code>~post-article</code></h1>");
    expect(page).toContain("(defcomp ~post-article (&amp;key post &amp;rest body)\n");
    expect(await (await fetch(`${b.url}/fed/components/`)).text()).toContain(`<h2>${hostA}</h2>`);
  });
});

describe("a post published on A", () => {
  const slug = "news-from-a";
  const local = `/fed/hannah@${hostA}/${slug}/`;

  it("is created on B, verified, and rendered with B's components, layout and stylesheet", async () => {
    await publishPost({ url: a.url, relayPort: a.relayPort }, {
      slug,
      title: "News from A",
      excerpt: "Written on A.",
      bodyHtml: "<p>Apples &amp; pears, <em>fresh</em> today.</p><p><a href=\"https://example.org/\">More</a><script>alert(1)</script></p>",
      authorEmail: "hannah@example.org",
      tags: ["federation"],
    });
    const doc = await waitFor("the post on B", async () => (await federationState(b.url)).documents.find((d) => d.slug === slug), 45_000);
    expect(doc).toMatchObject({ handle: `hannah@${hostA}`, name: "News from A", local });

    const page = await fetch(b.url + local);
    expect(page.status).toBe(200);
    const html = await page.text();
    // B's layout and stylesheet, B's ~post-article (its byline), the body as markup (escaped; the script gone).
    expect(html).toContain('href="/static/site.css');
    expect(html).toContain("<h1>News from A</h1>");
    expect(html).toMatch(/class="byline">By Hannah Pryce/);
    expect(html).toContain("<p>Apples &amp; pears, <em>fresh</em> today.</p>");
    expect(html).not.toContain("alert(1)");
    // The source instance is named, with the original and the CID.
    expect(html).toContain(hostA);
    expect(html).toContain(`${a.url}/blog/${slug}/`);
    // The Mastodon-style follower got the Create too, with the body as HTML.
    const create = await waitFor("the Create at the remote server", async () => remote.inbox.find((r) => r.body.type === "Create" && (r.body.object as { id?: string }).id === `${a.url}/ap/posts/${slug}`));
    expect((create.body.object as { content: string }).content).toContain("Apples &amp; pears");
    expect(create.signer).toMatch(new RegExp(`^${a.url}/ap/users/hannah`));
    // And an object integrity proof (FEP-8b32) with the author's Ed25519 key.
    expect(create.body.proof).toMatchObject({ type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022" });
  });

  it("an Update re-renders it on B", async () => {
    await publishPost({ url: a.url, relayPort: a.relayPort }, { slug, title: "News from A", excerpt: "Written on A.", bodyHtml: "<p>Plums, now.</p>", authorEmail: "hannah@example.org" });
    await waitFor("B's page to show the update", async () => (await (await fetch(b.url + local)).text()).includes("<p>Plums, now.</p>"), 45_000);
    const fed = await (await fetch(`${b.url}/fed/`)).text();
    expect(fed).toContain("News from A");
  });

  it("unpublished on A, it is deleted on B", async () => {
    await devSql(a.relayPort, "UPDATE posts SET published = false WHERE slug = $1", [slug]);
    await contentChanged(a.url, ["posts"]);
    await waitFor("the post gone from B", async () => !(await federationState(b.url)).documents.some((d) => d.slug === slug), 45_000);
    await waitFor("B's page of it gone", async () => (await fetch(b.url + local)).status === 404);
    const deleted = await waitFor("B's outcome of the Delete", async () =>
      (await federationState(b.url)).activities.find((x) => x.type === "Delete" && x.object === `${a.url}/ap/posts/${slug}` && x.outcome !== "pending"),
    );
    expect(deleted).toMatchObject({ outcome: "accepted", actor: `${a.url}/ap/users/hannah` });
  });
});

describe("a page A shares", () => {
  it("goes to B when what it shows changes, and B renders it with its own components", async () => {
    const page = await json(`${a.url}/ap/pages/events`);
    expect(page).toMatchObject({ type: "Document", name: "Events", attributedTo: `${a.url}/ap/users/site` });
    expect((page.source as { content: string }).content).toMatch(/^\(~events-list :events \(list \{:slug /);
    expect((await fetch(`${a.url}/ap/pages/nothing`, { headers: ACTIVITY_JSON })).status).toBe(404);

    await devSql(a.relayPort, `INSERT INTO events (slug, title, venue, starts_at, ends_at, capacity)
      VALUES ('federation-fair', 'Federation Fair', 'The Hall', now() + interval '3 days', now() + interval '3 days 2 hours', 40)`);
    await contentChanged(a.url, ["events"]);
    const doc = await waitFor("A's events on B", async () => (await federationState(b.url)).documents.find((d) => d.slug === "events" && d.handle === `site@${hostA}`), 45_000);
    const html = await (await fetch(b.url + doc.local)).text();
    // B's ~events-list and ~event-item, in B's layout, the original linked.
    expect(html).toMatch(/<li class="event"><time datetime="[^"]+">\d\d<\/time><div><strong>Federation Fair<\/strong><p class="venue">The Hall · /);
    expect(html).toContain('href="/static/site.css');
    expect(html).toContain(`${a.url}/events/`);
  });
});

describe("what B refuses from a server it follows, its state unchanged", () => {
  const notice = "/objects/notice";
  // Mastodon's own way of saying PropertyValue (schema.org), beside ActivityStreams and security.
  const CONTEXT = [...AS_CONTEXT, { schema: "http://schema.org#", PropertyValue: "schema:PropertyValue", value: "schema:value" }];
  const siteSource = `
    (defcomp ~notice (&key title &rest body) (section :class "notice" (h2 title) body))
    (defcomp ~post-article (&key post &rest body) (div (raw! "<b>the remote's own post-article</b>") body))`;
  let goodCid = "";
  let sequence = 0;
  const local = () => `/fed/mallory@${new URL(remote.origin).host}/notice/`;

  /** Serve a document (and its definitions) at /objects/notice, as the remote server would. */
  const serve = async (source: string, override: { cid?: string; hash?: string } = {}, defs = siteSource) => {
    const definitions = definitionsOf(parse(defs));
    const d = await describeDocument(parseOne(source), definitions);
    for (const r of d.references) {
      const def = await describeDefinition(r.name, definitions);
      remote.objects.set(`/defs/${def.hash}`, {
        "@context": CONTEXT, id: `${remote.origin}/defs/${def.hash}`, type: "Document", attributedTo: remote.actorId, name: def.name,
        source: { content: def.source, mediaType: SEXP_MEDIA_TYPE },
        url: [{ type: "Link", href: `ipfs://${def.cid}`, mediaType: SEXP_MEDIA_TYPE }],
        attachment: [{ type: "PropertyValue", name: "sexp-hash", value: def.hash }],
        tag: def.references.map((x) => ({ type: "Link", href: `${remote.origin}/defs/${x.hash}`, name: x.name, mediaType: SEXP_MEDIA_TYPE })),
      });
    }
    remote.objects.set(notice, {
      "@context": CONTEXT,
      id: remote.origin + notice, type: "Document", attributedTo: remote.actorId, name: "A notice",
      source: { content: d.source, mediaType: SEXP_MEDIA_TYPE },
      url: [{ type: "Link", href: `ipfs://${override.cid ?? d.cid}`, mediaType: SEXP_MEDIA_TYPE }],
      attachment: [{ type: "PropertyValue", name: "sexp-hash", value: override.hash ?? d.hash }],
      tag: d.references.map((r) => ({ type: "Link", href: `${remote.origin}/defs/${r.hash}`, name: r.name, mediaType: SEXP_MEDIA_TYPE })),
    });
    return d;
  };
  const update = (actor = remote.actorId) => ({
    "@context": AS_CONTEXT, id: `${remote.actorId}#updates/${++sequence}`, type: sequence === 1 ? "Create" : "Update", actor,
    object: { id: remote.origin + notice, type: "Document" },
  });
  const inboxB = () => `${b.url}/ap/users/site/inbox`;
  const stored = async () => (await federationState(b.url)).documents.find((d) => d.slug === "notice");
  const outcomeOf = (id: string) => waitFor(`B's outcome for ${id}`, async () => (await federationState(b.url)).activities.find((x) => x.id === id && x.outcome !== "pending"));

  beforeAll(async () => {
    await follow(b.url, remote.actorId);
    await waitFor("the remote's Accept at B", async () => (await federationState(b.url)).following.find((f) => f.remote === remote.actorId && f.state === "accepted"));
    const good = await serve(`(<> (~notice :title "Hello from Mallory" (p "A plain server's note.")) (~post-article :post {:id 7 :slug "notice" :title "Notice" :author "Mallory" :published_at "2026-01-01T00:00:00.000Z" :tags (list)} (p "Kept.")))`);
    goodCid = good.cid;
    const first = update();
    expect(await remote.send(inboxB(), first)).toBe(202);
    const outcome = await outcomeOf(first.id);
    expect(outcome.outcome, outcome.reason ?? "").toBe("accepted");
  });

  it("keeps what it verified: the remote's component it lacks, its own where it has one", async () => {
    expect((await stored())?.name).toBe("A notice");
    const html = await (await fetch(b.url + local())).text();
    expect(html).toContain('<section class="notice"><h2>Hello from Mallory</h2><p>A plain server&#39;s note.</p></section>');
    // B's own ~post-article, not the remote's (which would have been refused had it been used).
    expect(html).toMatch(/class="byline">By Mallory/);
    expect(html).not.toContain("the remote's own post-article");
  });

  const unchanged = async () => {
    const doc = await stored();
    const states = await federationState(b.url);
    expect(doc, "B still has the remote's document").toBeTruthy();
    const html = await (await fetch(b.url + local())).text();
    expect(html).toContain("Hello from Mallory");
    expect(states.documents.filter((d) => d.slug === "notice")).toHaveLength(1);
    const received = await fetch(`${b.url}/ipfs/${goodCid}`);
    expect(received.status).toBe(200);
  };

  const signedRefusals: [string, () => { activity: object; tamper: Tamper; to?: string }][] = [
    ["a body changed after signing", () => ({ activity: update(), tamper: { body: (j) => j.replace("Document", "Note") } })],
    [
      "a body changed and its digest recomputed",
      () => ({ activity: update(), tamper: { body: (j) => j.replace("Document", "Note"), headers: async (h, body) => h.set("digest", await digestOf(body)) } }),
    ],
    ["no signature", () => ({ activity: update(), tamper: { headers: (h) => h.delete("signature") } })],
    ["signed for another inbox", () => ({ activity: update(), tamper: { deliverTo: `${b.url}/ap/inbox` } })],
    ["a stale date", () => ({ activity: update(), tamper: { at: new Date(Date.now() - 3 * 3600_000) } })],
    ["an actor that did not sign it (spoofed)", () => ({ activity: update(`${a.url}/ap/users/site`), tamper: {} })],
    [
      "a key on another server that says A's actor owns it",
      () => ({ activity: update(`${a.url}/ap/users/site`), tamper: { keyId: remote.keyClaimingOwner("/keys/forged", `${a.url}/ap/users/site`) } }),
    ],
  ];

  it.each(signedRefusals)("refuses %s at the door (401), and nothing changes", async (_what, make) => {
    const { activity, tamper } = make();
    const status = await remote.send(inboxB(), activity, tamper);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    const id = (activity as { id: string }).id;
    expect((await federationState(b.url)).activities.find((x) => x.id === id)).toBeUndefined();
    await unchanged();
  });

  it("takes in a replayed activity once", async () => {
    const again = update();
    expect(await remote.send(inboxB(), again)).toBe(202);
    expect(await outcomeOf(again.id)).toMatchObject({ outcome: "accepted" });
    const before = await stored();
    expect(await remote.send(inboxB(), again)).toBe(202);
    const states = await federationState(b.url);
    expect(states.activities.filter((x) => x.id === again.id)).toHaveLength(1);
    expect(await stored()).toEqual(before);
  });

  it("takes in an activity again after its origin was down (a 500, the sender's retry)", async () => {
    const activity = update();
    // Both of the receiver's knocks (a signed GET in RFC 9421, then in the cavage draft) find it down.
    remote.down.set(notice, 2);
    expect(await remote.send(inboxB(), activity)).toBe(500);
    expect((await outcomeOf(activity.id)).outcome).toBe("failed");
    expect(await remote.send(inboxB(), activity)).toBe(202);
    expect((await outcomeOf(activity.id)).outcome).toBe("accepted");
    await unchanged();
  });

  it("reads only the tags and attachments a document carries: one given as a bare URL is not fetched", async () => {
    await serve(`(~notice :title "Hello from Mallory" (p "A plain server's note."))`);
    const doc = remote.objects.get(notice) as { tag: unknown[]; attachment: unknown[] };
    doc.tag.push(`${remote.origin}/trap/tag`);
    doc.attachment.unshift(`${remote.origin}/trap/attachment`);
    const activity = update();
    expect(await remote.send(inboxB(), activity)).toBe(202);
    expect((await outcomeOf(activity.id)).outcome).toBe("accepted");
    expect(remote.fetched.get("/trap/tag") ?? 0).toBe(0);
    expect(remote.fetched.get("/trap/attachment") ?? 0).toBe(0);
  });

  const contentRefusals: [string, () => Promise<unknown>, RegExp][] = [
    ["content that does not match its CID", async () => serve(`(~notice :title "Changed on the way" (p "x"))`, { cid: goodCid }), /^cid/],
    ["content that does not match its hash", async () => serve(`(~notice :title "Changed on the way" (p "x"))`, { hash: "0".repeat(64) }), /^hash/],
    ["raw!", async () => serve(`(div (raw! "<img src=x onerror=alert(1)>"))`), /^policy.*raw!/],
    ["a script element", async () => serve(`(div (script "alert(1)"))`), /^policy.*script/],
    ["a writing primitive", async () => serve(`(div (action cart add-item :product_id 1))`), /^policy/],
  ];

  it.each(contentRefusals)("refuses a document with %s, keeping the last good version", async (_what, make, reason) => {
    await make();
    const activity = update();
    expect(await remote.send(inboxB(), activity)).toBe(202);
    const outcome = await outcomeOf(activity.id);
    expect(outcome.outcome).toBe("refused");
    expect(outcome.reason).toMatch(reason);
    await unchanged();
  });

  const component = "/components/~notice";
  const noticeV2 = siteSource.replace('(section :class "notice"', '(section :class "notice notice-v2"');
  /** Serve ~notice as the remote shares it, at /components/~notice (defined in `defs`). */
  const serveComponent = async (defs: string) => {
    const d = await describeDefinition("~notice", definitionsOf(parse(defs)));
    remote.objects.set(component, {
      "@context": CONTEXT, id: remote.origin + component, type: "Document", attributedTo: remote.actorId, name: "~notice",
      source: { content: d.source, mediaType: SEXP_MEDIA_TYPE },
      url: [{ type: "Link", href: `ipfs://${d.cid}`, mediaType: SEXP_MEDIA_TYPE }],
      attachment: [{ type: "PropertyValue", name: "sexp-hash", value: d.hash }],
      tag: d.references.map((r) => ({ type: "Link", href: `${remote.origin}/defs/${r.hash}`, name: r.name, mediaType: SEXP_MEDIA_TYPE })),
    });
    return d;
  };
  const about = (type: "Create" | "Update" | "Delete") => ({
    "@context": AS_CONTEXT, id: `${remote.actorId}#components/${++sequence}`, type, actor: remote.actorId, object: remote.origin + component,
  });
  const componentPage = () => `${b.url}/fed/components/${new URL(remote.origin).host}/~notice/`;

  it("keeps a component the server shares, and fetches again its documents that use another version", async () => {
    // The server's ~notice changed: its document (served again) uses the new one.
    await serve(`(~notice :title "Hello from Mallory" (p "A plain server's note."))`, {}, noticeV2);
    const shared = await serveComponent(noticeV2);
    const fetchedBefore = remote.fetched.get(notice) ?? 0;
    const activity = about("Create");
    expect(await remote.send(inboxB(), activity)).toBe(202);
    const outcome = await outcomeOf(activity.id);
    expect(outcome.outcome, outcome.reason ?? "").toBe("accepted");
    expect(outcome.reason).toMatch(/1 document\(s\) using it fetched again/);
    expect(remote.fetched.get(notice)).toBeGreaterThan(fetchedBefore);
    // The document's ~notice is the component just kept (the link names its hash): not fetched again.
    expect(remote.fetched.get(`/defs/${shared.hash}`) ?? 0).toBe(0);
    // Its pages re-render after (the content-change path).
    await waitFor("B's page of the document with the new ~notice", async () => (await (await fetch(b.url + local())).text()).includes('<section class="notice notice-v2"><h2>Hello from Mallory</h2>'));
    const html = await waitFor("the component's page", async () => {
      const page = await fetch(componentPage());
      return page.status === 200 && (await page.text());
    });
    expect(html).toContain("notice-v2");
    expect(html).toContain(shared.cid);
  });

  it("refuses a component that does not pass the check for federated definitions, keeping the last good version", async () => {
    await serveComponent(`(defcomp ~notice (&key title) (div (raw! "<b>bold</b>")))`);
    const activity = about("Update");
    expect(await remote.send(inboxB(), activity)).toBe(202);
    const outcome = await outcomeOf(activity.id);
    expect(outcome.outcome).toBe("refused");
    expect(outcome.reason).toMatch(/^policy: ~notice .*raw!/);
    expect(await (await fetch(componentPage())).text()).toContain("notice-v2");
  });

  it("deletes a component only once its origin no longer serves it", async () => {
    await serveComponent(noticeV2);
    const early = about("Delete");
    expect(await remote.send(inboxB(), early)).toBe(202);
    expect(await outcomeOf(early.id)).toMatchObject({ outcome: "refused", reason: expect.stringMatching(/still served by its origin/) });
    expect((await fetch(componentPage())).status).toBe(200);

    remote.objects.delete(component);
    const gone = about("Delete");
    expect(await remote.send(inboxB(), gone)).toBe(202);
    expect(await outcomeOf(gone.id)).toMatchObject({ outcome: "accepted" });
    await waitFor("the component's page gone", async () => (await fetch(componentPage())).status === 404);
    await unchanged();
  });
});

describe("unfollowing", () => {
  it("B stops following A: an Undo of its Follow, and A lets B go", async () => {
    expect(await unfollow(b.url, `${a.url}/ap/users/site`)).toMatchObject({ unfollowed: `${a.url}/ap/users/site` });
    expect((await federationState(b.url)).following.some((f) => f.remote === `${a.url}/ap/users/site`)).toBe(false);
    await waitFor("A to let B go", async () => !(await federationState(a.url)).followers.some((f) => f.follower === `${b.url}/ap/users/site`));
  });
});
