/**
 * The Jinja bridge's commands, run as `sexp from-jinja` and `sexp ab` (the
 * `sexp` command hands them here):
 *
 *   sexp from-jinja FILE.njk
 *     the template as an s-expression draft on stdout; on stderr, each
 *     construct it could not convert, as FILE:LINE:COL: message. Exit 0 when
 *     everything converted.
 *   sexp ab --template T.njk --sexp F.sexp [--lib FILE]... --data D.json
 *     both rendered with the data; exit 0 when their normalized HTML is the
 *     same page, else the first differences and exit 1.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { SexpError, parse, prettyForms } from "@rose-ash/sexp";
import { convertTemplate } from "./convert.ts";
import { htmlDifferences, normalizeHtml } from "./normalize.ts";
import { renderSexp, renderTemplateFile, templatesFolders } from "./render.ts";

export interface CliIO {
  readText(path: string): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
}

const nodeIO: CliIO = {
  readText: (path) => readFile(path, "utf8"),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export const USAGE = `usage:
  sexp from-jinja [--filter NAME=FUNCTION]... FILE.njk              the template as an s-expression draft
  sexp ab --template T.njk --sexp F.sexp [--lib FILE]... --data D.json  whether both render the same HTML
`;

class UsageError extends Error {}

export async function main(argv: string[], io: CliIO = nodeIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "from-jinja") return await fromJinja(rest, io);
    if (command === "ab") return await ab(rest, io);
    throw new UsageError(`unknown command ${command ?? ""}`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n${USAGE}`);
      return 2;
    }
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

async function fromJinja(args: string[], io: CliIO): Promise<number> {
  const filters: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--filter" || a.startsWith("--filter=")) {
      const spec = a === "--filter" ? args[++i] : a.slice("--filter=".length);
      const m = spec === undefined ? null : /^([A-Za-z_][A-Za-z0-9_]*)=(\S+)$/.exec(spec);
      if (!m) throw new UsageError("--filter takes NAME=FUNCTION (the app's filter, and the s-expression function that does the same)");
      filters[m[1]!] = m[2]!;
    } else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length !== 1) throw new UsageError("from-jinja takes one template file");
  const file = files[0]!;
  const text = await readText(io, file);
  // Includes are found where rendering finds them (render.ts's templatesFolders).
  const include = (name: string): string | null => {
    for (const dir of templatesFolders(file)) {
      try {
        return readFileSync(join(dir, name), "utf8");
      } catch {
        // not here: the folder above
      }
    }
    return null;
  };
  const { source, problems } = convertTemplate(text, { include, filters });
  if (source) io.stdout(prettyForms(parse(source)));
  for (const p of problems) io.stderr(`${file}:${p.line}:${p.col}: ${p.message}\n`);
  return problems.length ? 1 : 0;
}

async function ab(args: string[], io: CliIO): Promise<number> {
  let template: string | null = null;
  let sexp: string | null = null;
  let data: string | null = null;
  const libs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, null];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a file name`);
      return v;
    };
    if (flag === "--template") template = value();
    else if (flag === "--sexp") sexp = value();
    else if (flag === "--data") data = value();
    else if (flag === "--lib") libs.push(value());
    else throw new UsageError(`unknown option ${a}`);
  }
  if (!template || !sexp || !data) throw new UsageError("ab needs --template, --sexp and --data");
  const values = readData(await readText(io, data), data);
  const left = renderTemplateFile(template, values);
  let right: string;
  try {
    right = await renderSexp({ text: await readText(io, sexp), name: sexp }, values, await Promise.all(libs.map(async (l) => ({ text: await readText(io, l), name: l }))));
  } catch (e) {
    if (e instanceof SexpError) {
      io.stderr(`${e.text}\n`);
      return 1;
    }
    throw e;
  }
  const differences = htmlDifferences(left, right);
  if (differences.length === 0) {
    io.stdout(`same HTML: ${template} and ${sexp} (${countElements(normalizeHtml(left))} elements)\n`);
    return 0;
  }
  io.stdout(`different HTML: ${template} and ${sexp}\n`);
  for (const d of differences) io.stdout(`  at ${d.path || "the top"}:\n    ${template}: ${d.left}\n    ${sexp}: ${d.right}\n`);
  return 1;
}

async function readText(io: CliIO, path: string): Promise<string> {
  try {
    return await io.readText(path);
  } catch (e) {
    throw new UsageError(`${path}: ${e instanceof Error && "code" in e && e.code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e)}`);
  }
}

function readData(text: string, name: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${name}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new UsageError(`${name}: --data must hold a JSON object (its keys are the variables)`);
  return data as Record<string, unknown>;
}

function countElements(nodes: ReturnType<typeof normalizeHtml>): number {
  return nodes.reduce((n, x) => n + ("tag" in x ? 1 + countElements(x.children as ReturnType<typeof normalizeHtml>) : 0), 0);
}
