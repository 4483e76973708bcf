#!/usr/bin/env node
// The `rose-render` command (src/cli.ts), run as its bundle (see bundled.js).
import { bundled } from "./bundled.js";

const { main } = await bundled({ name: "rose-render", entry: "src/cli.ts" });
const code = await main(process.argv.slice(2));
// A GPU device can keep the event loop alive: leave once the output is written.
process.stdout.write("", () => process.exit(code));
