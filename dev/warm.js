#!/usr/bin/env node
// @ts-check
/**
 * `npm run warm [-- URL]`: pre-render every shared page of a running site
 * (default http://127.0.0.1:8787, i.e. `npm run dev`) by crawling its
 * same-site links from `/`. Each shared page a request renders is stored by
 * CID and its pointer moved; pages already current are hits. Shows progress.
 */
const base = new URL(process.argv[2] ?? process.env.SITE_URL ?? "http://127.0.0.1:8787/");
const MAX_PAGES = Number(process.env.WARM_MAX_PAGES ?? 2000);

/** Same-site page links in a page (not static assets, not /ipfs or /ipns). @param {string} html */
function links(html) {
  const out = [];
  for (const [, href] of html.matchAll(/href="([^"#]+)"/g)) {
    const url = new URL(href.replace(/&amp;/g, "&"), base);
    if (url.origin !== base.origin || /^\/(static|ipfs|ipns|_)/.test(url.pathname)) continue;
    out.push(url.pathname + url.search);
  }
  return out;
}

const queue = ["/"];
const seen = new Set(queue);
const counts = { hit: 0, miss: 0, bypass: 0, other: 0 };
let done = 0;
while (queue.length && done < MAX_PAGES) {
  const path = /** @type {string} */ (queue.shift());
  let res;
  try {
    res = await fetch(new URL(path, base), { redirect: "manual" });
  } catch (e) {
    console.error(`cannot reach ${base.origin}: is the site running (npm run dev)? ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
  done++;
  const state = res.headers.get("x-rose-cache") ?? "other";
  counts[/** @type {keyof typeof counts} */ (state in counts ? state : "other")]++;
  const cid = res.headers.get("x-rose-cid") ?? "";
  process.stdout.write(`[${done}/${done + queue.length}] ${res.status} ${state.padEnd(6)} ${path}${cid ? `  ${cid}` : ""}\n`);
  if (res.status === 200 && (res.headers.get("content-type") ?? "").startsWith("text/html")) {
    for (const link of links(await res.text())) {
      if (!seen.has(link)) {
        seen.add(link);
        queue.push(link);
      }
    }
  } else await res.arrayBuffer();
}
console.log(`\n${done} pages: ${counts.miss} rendered and pinned, ${counts.hit} already current, ${counts.bypass} not shared (per-user or time-dependent), ${counts.other} other`);
