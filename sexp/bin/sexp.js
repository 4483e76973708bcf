#!/usr/bin/env node
// The `sexp` command. Runs the compiled CLI (built by `npm install` via the root `prepare` script).
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("sexp: the package is not built yet; run `npm install` (or `npm run build`) at the repository root\n");
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
