/**
 * `rose-render` end to end, as a user runs it from the repository root:
 * exit codes, the CID as stdout's last line, --out, --explain, positioned
 * problems without a stack trace, and every example recipe.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cidOf } from "@rose-ash/content";
import { describe, expect, test } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const root = join(pkg, "..");
const bin = join(pkg, "bin", "rose-render.js");
const examples = join(pkg, "examples");
const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;

function rose(args: readonly string[], input?: string): { code: number | null; stdout: string; stderr: string; lines: string[] } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.trimEnd().split("\n") };
}

const CID = /^baf[a-z2-7]{50,}$/;

// Each test runs the CLI as people do, in processes of its own: seconds each on a busy 2-core machine.
describe("rose-render", { timeout: 120_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), "rose-render-cli-"));
  const store = join(tmp, "store");

  test("renders, writes --out, prints the CID last; the second time nothing runs", () => {
    const out = join(tmp, "chain.png");
    const first = rose(["--backend", "cpu", "--store", store, "--out", out, join(examples, "chain.sexp")]);
    expect(first.stderr).toContain("rose-render: backend cpu");
    expect(first.code).toBe(0);
    const cid = first.lines.at(-1)!;
    expect(cid).toMatch(CID);
    expect(first.stderr).toMatch(/96x64 png, \d+ bytes; 3 nodes executed, 0 cached, in \d+\.\d\d s; written to /);
    return cidOf(readFileSync(out)).then((c) => {
      expect(String(c)).toBe(cid);
      const again = rose(["--backend=cpu", "--store", store, "--explain", join(examples, "chain.sexp")]);
      expect(again.code).toBe(0);
      expect(again.lines.at(-1)).toBe(cid);
      expect(again.stdout).toMatch(/^plan: image 96x64 -> png on cpu; 3 nodes: 0 executed, 1 cached, 2 not needed/);
      expect(again.stdout).toMatch(/#2 output +[0-9a-f]{16} +cached +<- #1/);
    });
  });

  test("--explain shows nodes, keys, fused passes and what ran", () => {
    const r = rose(["--backend", "cpu", "--store", join(tmp, "explain"), "--explain", join(examples, "chain.sexp")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("3 nodes: 3 executed, 0 cached");
    expect(r.stdout).toMatch(/#0 noise +[0-9a-f]{16} +executed/);
    expect(r.stdout).toMatch(/#1 chain +[0-9a-f]{16} +executed \d+ ms +<- #0 +passes: fused\[grayscale contrast flip\] \+ neighbourhood\[blur\] \+ neighbourhood\[blur\] \+ fused\[sepia vignette\]/);
    expect(r.lines.at(-1)).toMatch(CID);
  });

  test("without --backend: WebGPU when an adapter is found, else the CPU engine, and stderr says which", () => {
    const r = rose(["--store", join(tmp, "auto"), join(examples, "solid.sexp")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rose-render: backend (webgpu on .+ \(an adapter was found\)|cpu, as WebGPU is not available: .+)$/m);
    // A solid is exact on both engines: the same bytes.
    expect(r.lines.at(-1)).toBe(rose(["--backend", "cpu", "--store", join(tmp, "auto-cpu"), join(examples, "solid.sexp")]).lines.at(-1));
  });

  test("problems: exit 1, FILE:LINE:COL lines, no stack trace", () => {
    const bad = join(tmp, "bad.sexp");
    writeFileSync(bad, `(-> (solid :width 64 :height 64 :color "#ff00zz")\n    (fx blurr :radius 2))\n`);
    const r = rose(["--backend", "cpu", "--store", store, bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n").filter((l) => !l.startsWith("rose-render: backend"))).toEqual([
      `${bad}:1:40: solid :color: bad colour "#ff00zz", expected "#rrggbb" (six hex digits)`,
      `${bad}:2:9: unknown effect blurr (did you mean blur?)`,
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test("a file that is not there, and a wrong command line", () => {
    const missing = rose(["--backend", "cpu", join(tmp, "nope.sexp")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^rose-render: cannot read .*nope\.sexp: ENOENT/);
    const usage = rose(["--format", "bmp", "x.sexp"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^rose-render: --format is one of png, webp, gif, mp4, webm, not bmp\nusage: rose-render/);
    expect(rose([]).code).toBe(2);
  });

  test("the recipe may come on stdin; the format from --out's extension", () => {
    const out = join(tmp, "solid.webp");
    const r = rose(["--backend", "cpu", "--store", store, "--out", out, "-"], `(solid :width 8 :height 8 :color "#123456")`);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("8x8 webp");
    expect(readFileSync(out).subarray(8, 12).toString()).toBe("WEBP");
  });

  test("--add stores files and prints their CIDs; an asset recipe uses one", () => {
    const png = join(tmp, "noise.png");
    expect(rose(["--backend", "cpu", "--store", join(tmp, "a"), "--out", png, join(examples, "noise.sexp")]).code).toBe(0);
    const added = rose(["--store", store, "--add", png]);
    expect(added.code).toBe(0);
    // The asset example names the PNG examples/noise.sexp renders.
    expect(readFileSync(join(examples, "asset.sexp"), "utf8")).toContain(added.lines.at(-1)!);
    const r = rose(["--backend", "cpu", "--store", store, join(examples, "asset.sexp")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("128x128 png");
  });

  test.skipIf(!hasFfmpeg)("every example renders (videos as mp4, gif and webm)", () => {
    const exampleStore = join(tmp, "examples");
    // noise first: asset.sexp uses its output.
    const files = readdirSync(examples).filter((f) => f.endsWith(".sexp")).sort((a, b) => Number(b === "noise.sexp") - Number(a === "noise.sexp"));
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const f of files) {
      const r = rose(["--backend", "cpu", "--store", exampleStore, join(examples, f)]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      expect(r.lines.at(-1), f).toMatch(CID);
    }
    for (const format of ["gif", "webm"]) {
      const r = rose(["--backend", "cpu", "--store", exampleStore, "--format", format, join(examples, "frames.sexp")]);
      expect(r.code, r.stderr).toBe(0);
      // The frames are kept: only the encoding runs.
      expect(r.stderr).toContain(`64x64 ${format}, 24 frames at 12 fps`);
      expect(r.stderr).toMatch(/; 1 node executed, 24 cached, in /);
    }
  });
});
