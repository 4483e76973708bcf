/**
 * `rose-render [--backend webgpu|cpu] [--format png|webp|gif|mp4|webm]
 * [--out FILE] [--store DIR] [--explain] RECIPE.sexp`
 *
 * Renders the recipe's last form, writes the encoded bytes to FILE when
 * given, and prints the output's CID as the last line of stdout (after the
 * plan, with --explain). The format is --format, else FILE's extension, else
 * png for an image and mp4 for a video. The backend is WebGPU when an
 * adapter is found, else the CPU engine (stderr says which and why).
 * Problems: exit 1 with one `FILE:LINE:COL: message` line each on stderr,
 * no stack trace; a wrong command line: exit 2 with the usage.
 *
 * `rose-render [--store DIR] --add FILE...` stores files (assets for
 * `(asset :cid ...)`) and prints their CIDs, one a line.
 */
import { readFile, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import type { Engine } from "./engine.ts";
import { FORMATS, type Format } from "./encode/index.ts";
import { explain } from "./plan.ts";
import { RecipeError, problemText, readRecipe } from "./recipe/read.ts";
import { openEngine, renderRecipe, type Backend } from "./render.ts";
import { MediaStore } from "./store.ts";

const USAGE = "usage: rose-render [--backend webgpu|cpu] [--format png|webp|gif|mp4|webm] [--out FILE] [--store DIR] [--explain] RECIPE.sexp\n       rose-render [--store DIR] --add FILE...";

interface Args {
  backend: Backend | null;
  format: Format | null;
  out: string | null;
  store: string | null;
  explain: boolean;
  recipe: string;
  /** --add: files to store, not a recipe. */
  add: string[] | null;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  const args: Partial<Args> & { explain: boolean } = { explain: false };
  const files: string[] = [];
  const add = argv.includes("--add");
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, null];
    const take = (): string => inline ?? value(i++, flag);
    switch (flag) {
      case "--backend": {
        const b = take();
        if (b !== "webgpu" && b !== "cpu") throw new UsageError(`--backend is webgpu or cpu, not ${b}`);
        args.backend = b;
        break;
      }
      case "--format": {
        const f = take();
        if (!FORMATS.includes(f as Format)) throw new UsageError(`--format is one of ${FORMATS.join(", ")}, not ${f}`);
        args.format = f as Format;
        break;
      }
      case "--out":
      case "-o":
        args.out = take();
        break;
      case "--store":
        args.store = take();
        break;
      case "--explain":
        args.explain = true;
        break;
      case "--add":
        // Seen above: every other argument is a file to store.
        break;
      case "--help":
      case "-h":
        throw new UsageError("");
      default:
        if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option ${a}`);
        files.push(a);
        if (add) break;
        if (args.recipe !== undefined) throw new UsageError(`one recipe at a time (got ${args.recipe} and ${a})`);
        args.recipe = a;
    }
  }
  if (add && !files.length) throw new UsageError("--add needs files");
  if (!add && args.recipe === undefined) throw new UsageError("no recipe given");
  return { backend: args.backend ?? null, format: args.format ?? null, out: args.out ?? null, store: args.store ?? null, explain: args.explain, recipe: args.recipe ?? "", add: add ? files : null };
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message ? `rose-render: ${e.message}\n` : ""}${USAGE}\n`);
    return e.message ? 2 : 0;
  }
  if (args.add) return addFiles(args.add, args.store);
  let source: string;
  try {
    source = args.recipe === "-" ? await readStdin() : await readFile(args.recipe, "utf8");
  } catch (e) {
    process.stderr.write(`rose-render: cannot read ${args.recipe}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 1;
  }
  const src = args.recipe === "-" ? "<stdin>" : args.recipe;
  let engine: Engine | null = null;
  try {
    const format = args.format ?? formatOf(args.out) ?? (readRecipe(source, { src }).kind === "video" ? "mp4" : "png");
    const opened = await openEngine(args.backend);
    engine = opened.engine;
    process.stderr.write(`rose-render: ${opened.why}\n`);
    const store = new MediaStore(args.store ? { dir: args.store } : {});
    const began = Date.now();
    const result = await renderRecipe(source, { src, engine, format, store });
    const seconds = ((Date.now() - began) / 1000).toFixed(2);
    if (args.out) await writeFile(args.out, result.bytes);
    const frames = result.frames > 1 ? `, ${result.frames} frames at ${result.fps} fps` : "";
    process.stderr.write(`rose-render: ${result.width}x${result.height} ${format}${frames}, ${result.bytes.length} bytes; ${result.executed} node${result.executed === 1 ? "" : "s"} executed, ${result.cached} cached, in ${seconds} s${args.out ? `; written to ${args.out}` : ""}\n`);
    if (args.explain) process.stdout.write(explain(result.planned) + "\n");
    process.stdout.write(result.cid + "\n");
    return 0;
  } catch (e) {
    if (e instanceof RecipeError) process.stderr.write(e.problems.map(problemText).join("\n") + "\n");
    else process.stderr.write(`rose-render: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await engine?.dispose().catch(() => {});
  }
}

async function addFiles(files: readonly string[], dir: string | null): Promise<number> {
  const store = new MediaStore(dir ? { dir } : {});
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (e) {
      process.stderr.write(`rose-render: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`${await store.put(bytes)}\n`);
  }
  return 0;
}

function formatOf(out: string | null): Format | null {
  if (!out) return null;
  const ext = extname(out).slice(1).toLowerCase();
  return FORMATS.includes(ext as Format) ? (ext as Format) : null;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
