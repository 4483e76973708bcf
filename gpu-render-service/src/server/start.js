#!/usr/bin/env node
// `npm run render-service`: the service (src/server/main.ts), run as its bundle
// (see bin/bundled.js). A container builds the bundle at image build time
// (`--bundle-only`); RENDER_SERVICE_BUNDLE names it, and nothing is rebuilt at start.
import { bundle, bundled } from "../../bin/bundled.js";

const entry = "src/server/main.ts";
const out = process.env.RENDER_SERVICE_BUNDLE || undefined;
if (process.argv[2] === "--bundle-only") {
  await bundle(entry, out ?? new URL("../../dist/render-service.mjs", import.meta.url).pathname);
  process.exit(0);
}
const { main } = await bundled({ name: "render-service", entry, out, rebuild: !process.env.RENDER_SERVICE_BUNDLE });
const code = await main();
if (code !== 0) process.exit(code);
