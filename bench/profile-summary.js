/**
 * Summarize a V8 .cpuprofile (from `node --cpu-prof`): the functions with the
 * most self time and the most total (inclusive) time, optionally only those
 * whose script URL contains a filter (e.g. `sexp/dist`).
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/run.js --only sexp
 *   node bench/profile-summary.js /tmp/prof/CPU.*.cpuprofile [--filter sexp/dist] [--top 25]
 */
import { readFileSync } from "node:fs";

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const file = argv.find((a, i) => !a.startsWith("--") && !(i > 0 && argv[i - 1].startsWith("--")));
if (!file) {
  console.error("usage: node bench/profile-summary.js FILE.cpuprofile [--filter TEXT] [--top N]");
  process.exit(2);
}
const filter = opt("--filter", null);
const top = Number(opt("--top", 25));

const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// ---------------------------------------------------------------------------
// Source maps: report sexp/dist functions at their sexp/src/*.ts line.

const B64 = new Map([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]));
function decodeMappings(mappings) {
  const lines = [];
  let src = 0, srcLine = 0, srcCol = 0;
  for (const lineText of mappings.split(";")) {
    const segs = [];
    let genCol = 0;
    for (const seg of lineText.split(",")) {
      if (!seg) continue;
      const vals = [];
      let v = 0, shift = 0;
      for (const ch of seg) {
        const d = B64.get(ch);
        v += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          vals.push(v & 1 ? -(v >>> 1) : v >>> 1);
          v = 0;
          shift = 0;
        }
      }
      genCol += vals[0];
      if (vals.length >= 4) {
        src += vals[1];
        srcLine += vals[2];
        srcCol += vals[3];
        segs.push([genCol, src, srcLine, srcCol]);
      }
    }
    lines.push(segs);
  }
  return lines;
}
const maps = new Map();
function original(url, line, col) {
  if (!url.startsWith("file://") || !url.endsWith(".js")) return null;
  let m = maps.get(url);
  if (m === undefined) {
    try {
      const path = new URL(url).pathname + ".map";
      const json = JSON.parse(readFileSync(path, "utf8"));
      m = { sources: json.sources, lines: decodeMappings(json.mappings) };
    } catch {
      m = null;
    }
    maps.set(url, m);
  }
  const segs = m?.lines[line];
  if (!segs?.length) return null;
  let best = segs[0];
  for (const s of segs) if (s[0] <= col) best = s;
  return `${shortUrl(new URL(m.sources[best[1]], url).href)}:${best[2] + 1}`;
}

const shortUrl = (url) => url.replace(/^file:\/\//, "").replace(/^.*\/(sexp\/dist|sexp\/src|bench|node_modules)\//, "$1/");
const keyOf = (n) => {
  const f = n.callFrame;
  const name = f.functionName || "(anonymous)";
  if (!f.url) return name;
  const at = original(f.url, f.lineNumber, f.columnNumber);
  return `${name}  ${at ?? `${shortUrl(f.url)}:${f.lineNumber + 1}`}`;
};

const self = new Map();
const total = new Map();
const byFile = new Map();
let all = 0;
const { samples, timeDeltas } = profile;
for (let i = 0; i < samples.length; i++) {
  const dt = timeDeltas[i + 1] ?? timeDeltas[i] ?? 0; // a sample's time is the gap to the next one
  const leaf = byId.get(samples[i]);
  all += dt;
  const k = keyOf(leaf);
  self.set(k, (self.get(k) ?? 0) + dt);
  const url = leaf.callFrame.url ? shortUrl(leaf.callFrame.url).replace(/:\d+$/, "") : leaf.callFrame.functionName;
  byFile.set(url, (byFile.get(url) ?? 0) + dt);
  // Inclusive: every distinct function on the stack gets the sample once.
  const seen = new Set();
  for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
    const key = keyOf(byId.get(id));
    if (seen.has(key)) continue;
    seen.add(key);
    total.set(key, (total.get(key) ?? 0) + dt);
  }
}

const pct = (t) => ((t / all) * 100).toFixed(1).padStart(5) + "%";
const show = (title, map) => {
  console.log(`\n${title}`);
  [...map]
    .filter(([k]) => !filter || k.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, t]) => console.log(`  ${pct(t)}  ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`));
};
console.log(`${file}: ${(all / 1e6).toFixed(2)} s sampled`);
show("self time by file", byFile);
show(`self time by function${filter ? ` (only ${filter})` : ""}`, self);
show(`total (inclusive) time by function${filter ? ` (only ${filter})` : ""}`, total);
