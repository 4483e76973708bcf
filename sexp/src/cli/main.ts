/**
 * The `sexp` command line: render, check, hash and fmt. This is the one
 * module of the package that touches the file system, through the small
 * `CliIO` interface so tests can run it in-process.
 */
import { readFile } from "node:fs/promises";
import { check } from "../check.ts";
import { isDefinition } from "../forms.ts";
import { SexpError, formatError, locText } from "../errors.ts";
import { Hasher, definitionsOf } from "../hash.ts";
import { prettyForms } from "../pretty.ts";
import { createEnv, evaluateForms, fromJson, jsonTooDeep, renderForms } from "../program.ts";
import { MAX_NESTING, parse } from "../reader.ts";
import type { Node } from "../types.ts";

export interface CliIO {
  readText(path: string): Promise<string>;
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const USAGE = `usage: sexp <command> [options] [FILE|-]

commands:
  render [--lib FILE]... [--data FILE.json] [FILE|-]  print the HTML of every non-definition form
  check  [--lib FILE]... [--data FILE.json] [FILE|-]  validate; one FILE:LINE:COL: message per problem
  hash   [--lib FILE]... [FILE|-]                     SHA3-256 Merkle hash of the last non-definition form
  fmt    [FILE|-]                                     print the pretty-printed canonical form

FILE defaults to - (standard input). Exit status: 0 on success, 1 on any error.
`;

interface Args {
  command: string;
  file: string;
  libs: string[];
  data: string | null;
}

/** A user-facing failure that is not tied to a source position. */
class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const [command = "", ...rest] = argv;
  const args: Args = { command, file: "-", libs: [], data: null };
  let file: string | null = null;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a file name`);
      return v;
    };
    if (a === "--lib") args.libs.push(value());
    else if (a === "--data") args.data = value();
    else if (a.startsWith("--lib=")) args.libs.push(a.slice(6));
    else if (a.startsWith("--data=")) args.data = a.slice(7);
    else if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option ${a}`);
    else if (file !== null) throw new UsageError(`only one input file is allowed (got ${file} and ${a})`);
    else file = a;
  }
  if (file !== null) args.file = file;
  if (args.command !== "render" && args.command !== "check" && args.data) throw new UsageError("--data is only for render and check");
  if (args.command === "fmt" && args.libs.length) throw new UsageError("--lib is not used by fmt");
  return args;
}

export async function main(argv: string[], io: CliIO = nodeIO): Promise<number> {
  if (argv.length === 0 || argv[0] === "-h" || argv[0] === "--help" || argv[0] === "help") {
    (argv.length === 0 ? io.stderr : io.stdout)(USAGE);
    return argv.length === 0 ? 1 : 0;
  }
  const sources = new Map<string, string>();
  const load = async (path: string): Promise<{ name: string; text: string }> => {
    const name = path === "-" ? "<stdin>" : path;
    let text: string;
    try {
      text = path === "-" ? await io.readStdin() : await io.readText(path);
    } catch (e) {
      throw new UsageError(`${name}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    sources.set(name, text);
    return { name, text };
  };
  const read = async (path: string): Promise<Node[]> => {
    const { name, text } = await load(path);
    return parse(text, { src: name });
  };
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case "render": {
        const env = createEnv();
        if (args.data) {
          const { name, text } = await load(args.data);
          for (const [k, v] of Object.entries(parseJsonObject(text, name))) env.define(k, fromJson(v));
        }
        for (const lib of args.libs) await evaluateForms(await read(lib), env);
        const html = await renderForms(await read(args.file), env);
        io.stdout(html ? html + "\n" : "");
        return 0;
      }
      case "check": {
        const problems: { text: string }[] = [];
        const parsed = async (path: string): Promise<Node[]> => {
          try {
            return await read(path);
          } catch (e) {
            if (!(e instanceof SexpError)) throw e;
            problems.push({ text: e.text });
            return [];
          }
        };
        const lib: Node[] = [];
        for (const path of args.libs) lib.push(...(await parsed(path)));
        const forms = await parsed(args.file);
        // Keys of the data file are variables at run time.
        const globals = args.data ? Object.keys(parseJsonObject((await load(args.data)).text, args.data)) : [];
        for (const p of check(forms, { lib, globals })) problems.push({ text: `${locText(p.loc)}: ${p.message}` });
        for (const p of problems) io.stderr(p.text + "\n");
        return problems.length ? 1 : 0;
      }
      case "hash": {
        const lib: Node[] = [];
        for (const path of args.libs) lib.push(...(await read(path)));
        const forms = await read(args.file);
        const target = [...forms].reverse().find((f) => !isDefinition(f));
        if (!target) throw new UsageError(`${args.file === "-" ? "<stdin>" : args.file}: no expression to hash (only definitions)`);
        io.stdout(new Hasher(definitionsOf([...lib, ...forms])).hash(target) + "\n");
        return 0;
      }
      case "fmt": {
        io.stdout(prettyForms(await read(args.file)));
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${args.command}'\n\n${USAGE}`);
    }
  } catch (e) {
    io.stderr((e instanceof UsageError ? `sexp: ${e.message}` : formatError(e, (src) => sources.get(src))) + "\n");
    return 1;
  }
}

/** A JSON object from a --data file, with a line:col position on syntax errors. */
function parseJsonObject(text: string, name: string): Record<string, unknown> {
  // Deep data would exhaust the stack when converted: refuse it where it goes too deep.
  const deep = jsonTooDeep(text);
  if (deep) throw new UsageError(`${name}:${deep.line}:${deep.col}: JSON nested deeper than ${MAX_NESTING} levels`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    if (!pos) throw new UsageError(`${name}: invalid JSON: ${msg}`);
    const before = text.slice(0, Number(pos[1]));
    const line = before.split("\n").length;
    const col = before.length - before.lastIndexOf("\n");
    throw new UsageError(`${name}:${line}:${col}: invalid JSON: ${msg.replace(/\s*\(?(in JSON )?at position \d+.*$/, "")}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new UsageError(`${name}: --data must hold a JSON object (its keys become variables)`);
  }
  return data as Record<string, unknown>;
}

export const nodeIO: CliIO = {
  readText: (path) => readFile(path, "utf8"),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};
