#!/usr/bin/env node
// `npm run render-service`. The service is TypeScript (src/server/main.ts)
// over the workspace packages' TypeScript sources, so it runs as one esbuild
// bundle (dist/render-service.mjs, ignored by git), made at the first start
// and again whenever a source is newer than it. Native packages (sharp,
// webgpu) stay outside it. A container builds the bundle at image build time
// (RENDER_SERVICE_BUNDLE names it, and nothing is rebuilt at start).
import { existsSync, readdirSync, renameSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const pkg = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const repo = dirname(pkg);
const out = process.env.RENDER_SERVICE_BUNDLE || join(pkg, "dist", "render-service.mjs");
const sources = [join(pkg, "src"), join(repo, "sexp", "src"), join(repo, "content", "src"), join(repo, "executor", "src"), join(repo, "durable-objects", "src")];

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|js)$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

async function bundle(outfile = out) {
  const { build } = await import("esbuild");
  // Through a temporary name: two first starts at once never see half a bundle.
  const tmp = `${outfile}.${process.pid}.tmp.mjs`;
  await build({
    entryPoints: [join(pkg, "src", "server", "main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: tmp,
    conditions: ["source"],
    external: ["sharp", "webgpu"],
    // CommonJS dependencies inside an ES module bundle still call require.
    banner: { js: 'import { createRequire as __roseRequire } from "node:module"; const require = __roseRequire(import.meta.url);' },
    logLevel: "error",
  });
  renameSync(tmp, outfile);
}

if (process.argv[2] === "--bundle-only") {
  await bundle();
  process.exit(0);
}
const built = existsSync(out) ? statSync(out).mtimeMs : 0;
if (!process.env.RENDER_SERVICE_BUNDLE && (built === 0 || sources.some((d) => existsSync(d) && newest(d) > built))) {
  try {
    await bundle();
  } catch (e) {
    process.stderr.write(`render-service: cannot build the bundle (run \`npm install\` at the repository root): ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
const { main } = await import(pathToFileURL(out).href);
const code = await main();
if (code !== 0) process.exit(code);
