#!/usr/bin/env node
// The `sexp` command. Runs the compiled CLI (built by `npm install` via the root `prepare` script).
// `from-jinja` and `ab` are the Jinja bridge's (@rose-ash/jinja), run where it is installed.
import { existsSync } from "node:fs";

const [command] = process.argv.slice(2);
const bridge = command === "from-jinja" || command === "ab";
if (bridge) {
  let cli;
  try {
    cli = await import("@rose-ash/jinja/cli");
  } catch (e) {
    const missing = e && typeof e === "object" && "code" in e && (e.code === "ERR_MODULE_NOT_FOUND" || e.code === "MODULE_NOT_FOUND");
    process.stderr.write(missing ? `sexp ${command}: the Jinja bridge (@rose-ash/jinja) is not installed or not built; run \`npm install\` at the repository root\n` : `${e}\n`);
    process.exit(1);
  }
  process.exitCode = await cli.main(process.argv.slice(2));
} else {
  const cli = new URL("../dist/cli/main.js", import.meta.url);
  if (!existsSync(cli)) {
    process.stderr.write("sexp: the package is not built yet; run `npm install` (or `npm run build`) at the repository root\n");
    process.exit(1);
  }
  const { main } = await import(cli.href);
  process.exitCode = await main(process.argv.slice(2));
}
