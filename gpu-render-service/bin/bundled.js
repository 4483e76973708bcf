// The render service's two entry points (the `rose-render` command and `npm run
// render-service`) are TypeScript over the workspace packages' TypeScript
// sources, so each runs as one esbuild bundle in dist/ (ignored by git), made
// at the first run and again whenever a source is newer than it. Native
// packages (sharp, webgpu) stay outside it.
import { existsSync, readdirSync, renameSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = dirname(pkg);
const SOURCES = [join(pkg, "src"), ...["sexp", "content", "executor", "durable-objects"].map((p) => join(repo, p, "src"))];

/** The newest modification time of a .ts or .js file under `dir`. @param {string} dir @returns {number} */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|js)$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Bundle `entry` (a path from the package, or absolute) into `out`, through a temporary
 * name so that two first runs at once never see half a bundle.
 * @param {string} entry @param {string} out
 */
export async function bundle(entry, out) {
  const { build } = await import("esbuild");
  const tmp = `${out}.${process.pid}.tmp.mjs`;
  await build({
    entryPoints: [resolve(pkg, entry)],
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
  renameSync(tmp, out);
}

/**
 * The module of `entry`'s bundle, built first when missing or older than a
 * source (unless `rebuild` is false: a container's prebuilt bundle).
 * @param {{ name: string, entry: string, out?: string, rebuild?: boolean }} options
 */
export async function bundled({ name, entry, out = join(pkg, "dist", `${name}.mjs`), rebuild = true }) {
  const built = existsSync(out) ? statSync(out).mtimeMs : 0;
  if (rebuild && (built === 0 || SOURCES.some((d) => existsSync(d) && newest(d) > built))) {
    try {
      await bundle(entry, out);
    } catch (e) {
      process.stderr.write(`${name}: cannot build it from its sources (run \`npm install\` at the repository root): ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    }
  }
  return import(pathToFileURL(out).href);
}
