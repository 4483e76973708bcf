#!/usr/bin/env node
// @ts-check
// `npm run federation:demo`: two instances on this machine, A and B (each
// `npm run dev -- --instance NAME --port PORT`, fresh state), B following A.
// A publishes a post; B receives it, verifies it, and shows it with its own
// components and stylesheet. It prints where to look, then runs until Ctrl-C.
import { startStack } from "./stack.js";
import { contentChanged, devSql, federationState, follow, publishNow, publishPost, waitFor } from "./federation.js";

const portA = Number(process.env.PORT_A ?? 8801);
const portB = Number(process.env.PORT_B ?? 8802);
const bold = (/** @type {string} */ t) => (process.stdout.isTTY ? `\x1b[1m${t}\x1b[0m` : t);
const say = (/** @type {string} */ line) => process.stdout.write(`${line}\n`);

say(`Starting instance A on ${portA} and B on ${portB} (fresh databases; about a minute) ...`);
// Each with its render service (RENDER_SERVICE=off leaves them out): B draws A's post's header with its own recipe.
const [a, b] = await Promise.all([
  startStack({ port: portA, dbPort: 0, instance: "a", timeoutMs: 180_000 }),
  startStack({ port: portB, dbPort: 0, instance: "b", timeoutMs: 180_000 }),
]);
const stop = async () => {
  await Promise.all([a.stop(), b.stop()]);
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

try {
  // What A has published already federates no further: only what it publishes from now on goes to followers.
  const before = await publishNow(a.url);
  say(`A published its ${before.created.length} existing documents: components, shared pages and posts (no followers yet: nothing sent).`);

  const hostA = new URL(a.url).host;
  await follow(b.url, `site@${hostA}`);
  await waitFor("A to accept B's Follow", async () => (await federationState(b.url)).following.find((f) => f.state === "accepted"));
  say(`B follows ${bold(`site@${hostA}`)}: A accepted, and sent B the components it shares.`);

  const slug = "federated-hello";
  await publishPost(
    { url: a.url, relayPort: a.relayPort },
    {
      slug,
      title: "Hello from instance A",
      excerpt: "A post written on A, read on B.",
      bodyHtml: "<p>This post was written on <strong>instance A</strong>. B fetched it again from A, checked its CID and hash, and renders it with <em>its own</em> components and stylesheet.</p><p>Change it on A and B re-renders it.</p>",
      authorEmail: "hannah@example.org",
      tags: ["federation", "demo"],
    },
  );
  const doc = await waitFor("B to receive the post", async () => (await federationState(b.url)).documents.find((d) => d.slug === slug), 60_000);
  // A shared page: A's events calendar, sent when an event is added.
  await devSql(a.relayPort, `INSERT INTO events (slug, title, venue, starts_at, ends_at, capacity)
    VALUES ('federation-evening', 'Federation Evening', 'The Hall', now() + interval '2 days', now() + interval '2 days 2 hours', 30)
    ON CONFLICT (slug) DO NOTHING`);
  await contentChanged(a.url, ["events"]);
  const events = await waitFor("B to receive A's events page", async () => (await federationState(b.url)).documents.find((d) => d.slug === "events"), 60_000);
  const components = (await federationState(b.url)).components.length;
  say("");
  say(`  A's post:           ${bold(`${a.url}/blog/${slug}/`)}`);
  say(`  A's actors:         ${a.url}/ap/users/site, ${a.url}/ap/users/hannah (WebFinger: ${a.url}/.well-known/webfinger?resource=acct:hannah@${hostA})`);
  say(`  On B, the same post: ${bold(`${b.url}${doc.local}`)}  (B's ~post-article, layout and stylesheet; the source instance named)`);
  say(`  A's events, on B:   ${bold(`${b.url}${events.local}`)}  (a shared page: B's ~events-list)`);
  say(`  Everything B received: ${b.url}/fed/  (and the ${components} components A shares: ${b.url}/fed/components/)`);
  say(`  B's federation (follows, activities, refusals): ${b.url}/_sexp/federation`);
  say("");
  say("Ctrl-C stops both.");
} catch (e) {
  console.error(`The demo failed: ${e instanceof Error ? e.message : String(e)}\n--- A ---\n${a.output().slice(-3000)}\n--- B ---\n${b.output().slice(-3000)}`);
  await stop();
}
