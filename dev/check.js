// @ts-check
/**
 * `npm run check [-- FILE...]`: the site's s-expression sources checked
 * against the site's own vocabulary (the base primitives, the resolver's
 * query/frag/action, and the request primitives such as current-user), which
 * plain `sexp check` does not know. Every file under app/ is read from disk,
 * so what is checked is what is being edited; one `FILE:LINE:COL: message`
 * per problem, with the line and a caret, and exit 1 when there are any.
 */
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

// The router's registry is TypeScript for Workers: bundled for Node once per run.
const out = join(root, ".data/check/site-vocabulary.mjs");
mkdirSync(join(root, ".data/check"), { recursive: true });
await build({
  stdin: {
    contents: `export { siteRegistry } from "./workers/router/src/site.ts";\nexport { check, parse, excerpt, locText, SexpError } from "./sexp/src/index.ts";\n`,
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  outfile: out,
  logLevel: "error",
});
const { siteRegistry, check, parse, excerpt, locText, SexpError } = await import(pathToFileURL(out).href);

/** @param {string} dir @returns {string[]} */
const sexpFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sexpFiles(join(dir, e.name)) : e.name.endsWith(".sexp") ? [join(dir, e.name)] : []));

const wanted = process.argv.slice(2).map((f) => relative(root, f));
const files = sexpFiles(join(root, "app")).map((f) => relative(root, f)).sort();
for (const f of wanted) if (!files.includes(f)) files.push(f);
const texts = new Map(files.map((f) => [f, readFileSync(join(root, f), "utf8")]));

/** @type {string[]} */
const problems = [];
/** @type {any[]} */
const forms = [];
for (const [name, text] of texts) {
  try {
    forms.push(...parse(text, { src: name }));
  } catch (/** @type {any} */ e) {
    if (!(e instanceof SexpError)) throw e;
    problems.push(`${e.text}\n${excerpt(text, e.loc)}`);
  }
}
// The whole site is checked together (components are used across files); the report is for the files asked about, or all.
for (const p of check(forms, { registry: siteRegistry() })) {
  if (wanted.length && !wanted.includes(p.loc.src)) continue;
  problems.push(`${locText(p.loc)}: ${p.message}\n${excerpt(texts.get(p.loc.src) ?? "", p.loc)}`);
}
for (const p of problems) console.error(p);
console.log(`${wanted.length || files.length} file${(wanted.length || files.length) === 1 ? "" : "s"}: ${problems.length ? `${problems.length} problem${problems.length === 1 ? "" : "s"}` : "no problems"}`);
process.exit(problems.length ? 1 : 0);
