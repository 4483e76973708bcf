/**
 * Writes the golden images: every case of cases.ts rendered by the CPU
 * engine, as test/golden/NAME.png. Run it once after a deliberate change to
 * a formula, then review the changed images and the hand-computed checks in
 * engines.test.ts (which read these files). From the repository root:
 *
 *   npx esbuild gpu-render-service/test/golden/make.ts --bundle --platform=node \
 *     --format=esm --outfile=/tmp/make-goldens.mjs && node /tmp/make-goldens.mjs
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "fast-png";
import { createCpuEngine } from "../../src/engines/cpu.ts";
import { CASES } from "./cases.ts";

/** The folder to write: the argument, else test/golden from the repository root (where the command above runs). */
const dir = process.argv[2] ?? join(process.cwd(), "gpu-render-service/test/golden");
const cpu = createCpuEngine();
for (const c of CASES) {
  const f = await c.run(cpu);
  writeFileSync(join(dir, `${c.name}.png`), encode({ width: f.width, height: f.height, data: f.data, channels: 4, depth: 8 }));
}
console.log(`wrote ${CASES.length} golden images to ${dir}`);
