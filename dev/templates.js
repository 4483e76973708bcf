// Precompile the app's Nunjucks templates (app/templates/**/*.njk) into the
// ES module the router imports (app/templates.generated.js): Workers refuse
// `new Function`, so Nunjucks never compiles where the templates render.
// Run by `npm run build` (and so by `npm install`); `npm run dev` runs it
// again when a template changes.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { precompileModule } from "@rose-ash/jinja";

const root = fileURLToPath(new URL("../app/templates/", import.meta.url));
const out = fileURLToPath(new URL("../app/templates.generated.js", import.meta.url));

/**
 * @param {string} dir
 * @returns {Promise<string[]>}
 */
async function files(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const found = await Promise.all(entries.map((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".njk") ? [join(dir, e.name)] : [])));
  return found.flat();
}

/** Write the module; the number of templates. */
export async function precompileTemplates() {
  const paths = await files(root).catch(() => []);
  const templates = await Promise.all(paths.map(async (p) => ({ name: relative(root, p).split(sep).join("/"), source: await readFile(p, "utf8") })));
  const module = precompileModule(templates, "Generated from app/templates by dev/templates.js (npm run build): do not edit.");
  const before = await readFile(out, "utf8").catch(() => "");
  if (module !== before) await writeFile(out, module);
  await writeFile(`${out.slice(0, -3)}.d.ts`, "/** The app's Nunjucks templates, precompiled (dev/templates.js): by name, as Nunjucks' PrecompiledLoader takes them. */\ndeclare const templates: Record<string, unknown>;\nexport default templates;\n");
  return templates.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = await precompileTemplates();
  process.stdout.write(`templates: ${n} precompiled into app/templates.generated.js\n`);
}
