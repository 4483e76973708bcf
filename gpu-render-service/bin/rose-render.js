#!/usr/bin/env node
// The `rose-render` command. Its source is TypeScript (src/cli.ts) over the
// workspace packages' TypeScript sources, so it runs as one esbuild bundle,
// made at the first run and again whenever a source is newer than it
// (dist/ is ignored by git). Native packages (sharp, webgpu) stay outside it.
import { existsSync, readdirSync, renameSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = dirname(pkg);
const out = join(pkg, "dist", "rose-render.mjs");
const sources = [join(pkg, "src"), join(repo, "sexp", "src"), join(repo, "content", "src"), join(repo, "executor", "src")];

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const built = existsSync(out) ? statSync(out).mtimeMs : 0;
if (built === 0 || sources.some((d) => existsSync(d) && newest(d) > built)) {
  let build;
  try {
    ({ build } = await import("esbuild"));
  } catch {
    process.stderr.write("rose-render: esbuild is missing; run `npm install` at the repository root\n");
    process.exit(1);
  }
  // Through a temporary name: two first runs at once never see half a bundle.
  const tmp = `${out}.${process.pid}.tmp.mjs`;
  try {
    await build({
      entryPoints: [join(pkg, "src", "cli.ts")],
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
  } catch {
    // esbuild has printed what is wrong.
    process.stderr.write("rose-render: could not build the command from its sources\n");
    process.exit(1);
  }
  renameSync(tmp, out);
}

const { main } = await import(pathToFileURL(out).href);
const code = await main(process.argv.slice(2));
// A GPU device can keep the event loop alive: leave once the output is written.
process.stdout.write("", () => process.exit(code));
