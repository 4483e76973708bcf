// @ts-check
/**
 * `npm run check [-- FILE...]`: the site's s-expression sources checked
 * against the site's own vocabulary (@rose-ash/vocabulary: the base
 * primitives, the resolver's query/frag/action with their checks against the
 * app's declarations, and the request primitives such as current-user),
 * which plain `sexp check` does not know. Every file under app/ is read from disk,
 * so what is checked is what is being edited; one `FILE:LINE:COL: message`
 * per problem, with the line and a caret, and exit 1 when there are any.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SexpError, check, excerpt, locText, parse } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";

const root = fileURLToPath(new URL("..", import.meta.url));

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
    problems.push(e.loc ? `${e.text}\n${excerpt(text, e.loc)}` : e.text);
  }
}
// The whole site is checked together (components are used across files); the report is for the files asked about, or all.
for (const p of check(forms, { registry: siteVocabulary() })) {
  if (wanted.length && !wanted.includes(p.loc.src)) continue;
  problems.push(`${locText(p.loc)}: ${p.message}\n${excerpt(texts.get(p.loc.src) ?? "", p.loc)}`);
}
for (const p of problems) console.error(p);
console.log(`${wanted.length || files.length} file${(wanted.length || files.length) === 1 ? "" : "s"}: ${problems.length ? `${problems.length} problem${problems.length === 1 ? "" : "s"}` : "no problems"}`);
process.exit(problems.length ? 1 : 0);
