/**
 * Profile the router Worker inside workerd while it serves one path (by
 * default the cached market listing) under load: the local stack
 * (`npm run dev`), its inspector (Chrome DevTools protocol) asked for a CPU
 * profile while autocannon sends requests. Writes the .cpuprofile and
 * prints its top functions (bench/profile-summary.js reads it again).
 *
 *   node bench/profile-hit.js [--path /market/] [--seconds 8] [--out /tmp/hit.cpuprofile] [--keep-bundle DIR]
 */
import { writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import WebSocket from "ws";
import { startStack } from "../dev/stack.js";

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const PATH = option("--path", "/market/");
const SECONDS = Number(option("--seconds", 8));
const OUT = option("--out", "/tmp/hit.cpuprofile");
const INSPECTOR = Number(option("--inspector", 9229));
/** Where to copy the Worker bundles to (for reading the profile's line numbers), if anywhere. */
const KEEP = option("--keep-bundle", null);

const stack = await startStack({ port: 8798, dbPort: 7798 });
try {
  for (let i = 0; i < 300; i++) await (await fetch(stack.url + PATH)).arrayBuffer();
  // workerd's inspector lists one target per Worker; the router is the one serving the site.
  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR}/json`)).json();
  const target = targets.find((t) => /router|rose-ash(?!-resolver)/.test(`${t.title} ${t.url}`)) ?? targets[0];
  if (!target) throw new Error(`no inspector target on port ${INSPECTOR}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id && pending.has(msg.id)) (pending.get(msg.id)(msg), pending.delete(msg.id));
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const result = await new Promise((resolve, reject) =>
    autocannon({ url: stack.url + PATH, connections: 10, duration: SECONDS }, (err, r) => (err ? reject(err) : resolve(r))),
  );
  const { result: profiled } = await send("Profiler.stop");
  ws.close();
  writeFileSync(OUT, JSON.stringify(profiled.profile));
  console.log(`${PATH}: ${result.requests.average.toFixed(0)} req/s while profiled (${target.title}); profile in ${OUT}\n`);
  console.log(execFileSync(process.execPath, [fileURLToPath(new URL("./profile-summary.js", import.meta.url)), OUT, "--top", "30"], { encoding: "utf8" }));
  // The bundle the profile's line numbers are in (wrangler removes it when it stops).
  if (KEEP) execFileSync("sh", ["-c", `mkdir -p ${KEEP} && find . -path ./node_modules -prune -o -path '*/.wrangler/tmp/*' -name '*.js' -print | xargs -r cp --parents -t ${KEEP}`]);
} finally {
  await stack.stop();
}
