import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { main, type CliIO } from "../src/cli/main.ts";

/** Run the CLI in-process over an in-memory file system. */
async function run(argv: string[], files: Record<string, string> = {}, stdin = "") {
  let out = "";
  let err = "";
  const io: CliIO = {
    readText: async (p) => {
      if (!(p in files)) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
      return files[p]!;
    },
    readStdin: async () => stdin,
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
  };
  const code = await main(argv, io);
  return { code, out, err };
}

const lib = '(defcomp ~card (&key title children) (div :class "card" (h2 title) children))';

describe("sexp render", () => {
  it("renders every non-definition form, lib definitions first", async () => {
    const r = await run(["render", "--lib", "lib.sexp", "page.sexp"], {
      "lib.sexp": lib,
      "page.sexp": '(define x 1)\n(~card :title "A" (p x))\n(p "second")',
    });
    expect(r).toEqual({ code: 0, out: '<div class="card"><h2>A</h2><p>1</p></div><p>second</p>\n', err: "" });
  });

  it("binds --data keys as variables (objects become maps, arrays lists)", async () => {
    const r = await run(["render", "--data", "d.json", "-"], { "d.json": '{"user": {"name": "Zoë"}, "items": [1, 2]}' }, "(p (:slot user :name) (count items))");
    expect(r.out).toBe("<p>Zoë2</p>\n");
  });

  it("reports errors as FILE:LINE:COL: message with an excerpt, exit 1, no stack", async () => {
    const r = await run(["render", "page.sexp"], { "page.sexp": "(div\n  (p (oops 1)))" });
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe("page.sexp:2:7: unknown symbol 'oops'\n2 |   (p (oops 1)))\n  |       ^\n");
  });

  it("reports read errors from stdin as <stdin>", async () => {
    const r = await run(["render"], {}, '(p "unterminated)');
    expect(r.code).toBe(1);
    expect(r.err.split("\n")[0]).toBe("<stdin>:1:4: unterminated string");
  });

  it("bad JSON data and missing files are clear errors", async () => {
    expect((await run(["render", "--data", "d.json", "x.sexp"], { "d.json": '{"a": }', "x.sexp": "1" })).err).toMatch(/^sexp: d\.json(:1:7)?: invalid JSON/); // Node 20's JSON.parse gives no position
    expect((await run(["render", "--data", "d.json", "x.sexp"], { "d.json": "[1]", "x.sexp": "1" })).err).toMatch(/must hold a JSON object/);
    const missing = await run(["render", "nope.sexp"]);
    expect(missing).toMatchObject({ code: 1, err: "sexp: nope.sexp: cannot read: ENOENT\n" });
  });

  it("JSON data nested too deep is refused at the bracket that goes too deep, not with a stack overflow", async () => {
    const deep = '{"a": ' + "[".repeat(200_000) + "]".repeat(200_000) + "}";
    for (const command of ["render", "check"]) {
      const r = await run([command, "--data", "d.json", "x.sexp"], { "d.json": deep, "x.sexp": "(p (count a))" });
      expect(r).toEqual({ code: 1, out: "", err: "sexp: d.json:1:1006: JSON nested deeper than 1000 levels\n" });
    }
    // Brackets inside strings do not count; lines and columns do. The object is a level too.
    const line3 = "  " + "[".repeat(999) + "]".repeat(999) + ', "b": [{"c": ' + "[".repeat(997);
    const text = '{"s": "[[[[\\"[[",\n "a":\n' + line3 + "[" + "]".repeat(998) + "}]}";
    expect((await run(["render", "--data", "d.json", "x.sexp"], { "d.json": text, "x.sexp": "1" })).err).toBe(
      `sexp: d.json:3:${line3.length + 1}: JSON nested deeper than 1000 levels\n`,
    );
    // As deep as the limit is fine.
    const limit = '{"a": ' + "[".repeat(999) + "7" + "]".repeat(999) + "}";
    expect(await run(["render", "--data", "d.json", "-"], { "d.json": limit }, "(p (count a))")).toEqual({ code: 0, out: "<p>1</p>\n", err: "" });
  });

  it("usage errors", async () => {
    expect((await run(["frob"])).code).toBe(1);
    expect((await run(["render", "--bogus"])).err).toBe("sexp: unknown option --bogus\n");
    expect((await run(["--help"])).out).toMatch(/^usage: sexp/);
  });
});

describe("sexp check", () => {
  it("exit 0 for a valid file", async () => {
    expect(await run(["check", "--lib", "lib.sexp", "page.sexp"], { "lib.sexp": lib, "page.sexp": '(~card :title "x" (p "y"))' })).toEqual({
      code: 0,
      out: "",
      err: "",
    });
  });

  it("one FILE:LINE:COL: message line per problem", async () => {
    const r = await run(["check", "--lib", "lib.sexp", "page.sexp"], {
      "lib.sexp": lib,
      "page.sexp": '(~card :titel "x")\n(p (nosuch 1))\n(~missing)\n(nth (list 1))',
    });
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^page\.sexp:1:1: .*:titel/);
    expect(lines[1]).toMatch(/^page\.sexp:2:5: .*nosuch/);
    expect(lines[2]).toMatch(/^page\.sexp:3:1: .*~missing/);
    expect(lines[3]).toMatch(/^page\.sexp:4:1: .*takes 2 to 3 arguments, got 1/);
  });

  it("--data keys are known variables", async () => {
    const files = { "d.json": '{"shop": "x"}', "p.sexp": "(p shop)" };
    expect((await run(["check", "p.sexp"], files)).err).toMatch(/unknown symbol 'shop'/);
    expect((await run(["check", "--data", "d.json", "p.sexp"], files)).code).toBe(0);
  });

  it("parse errors are problems too", async () => {
    const r = await run(["check", "-"], {}, "(p\n  (q]");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^<stdin>:2:5: /);
  });
});

describe("sexp hash", () => {
  it("prints 64 hex digits for the last non-definition form, stable under formatting", async () => {
    const a = await run(["hash", "--lib", "lib.sexp", "-"], { "lib.sexp": lib }, '(~card :title "x")');
    const b = await run(["hash", "--lib", "lib.sexp", "-"], { "lib.sexp": lib }, '  ( ~card   :title "x" ) ; same');
    expect(a.out).toMatch(/^[0-9a-f]{64}\n$/);
    expect(b.out).toBe(a.out);
  });

  it("changes when a component the form uses changes", async () => {
    const a = await run(["hash", "--lib", "lib.sexp", "-"], { "lib.sexp": lib }, '(~card :title "x")');
    const b = await run(["hash", "--lib", "lib.sexp", "-"], { "lib.sexp": lib.replace('"card"', '"box"') }, '(~card :title "x")');
    expect(b.out).not.toBe(a.out);
  });

  it("a file of only definitions is an error", async () => {
    expect((await run(["hash", "-"], {}, "(define x 1)")).code).toBe(1);
  });
});

describe("sexp fmt", () => {
  it("prints the pretty canonical form", async () => {
    const r = await run(["fmt", "-"], {}, '(div   :class "x"\n ; comment\n (p "y"))');
    expect(r).toEqual({ code: 0, out: '(div :class "x" (p "y"))\n', err: "" });
  });
});

describe("the installed binary", () => {
  it("npx sexp renders from a file and exits 1 on errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sexp-cli-"));
    writeFileSync(join(dir, "ok.sexp"), '(p "hi & bye")');
    writeFileSync(join(dir, "bad.sexp"), "(p (nope))");
    const bin = new URL("../bin/sexp.js", import.meta.url).pathname;
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, [bin, "render", join(dir, "ok.sexp")]);
    expect(ok.stdout).toBe("<p>hi &amp; bye</p>\n");
    const bad = await exec(process.execPath, [bin, "render", join(dir, "bad.sexp")]).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toMatch(/bad\.sexp:1:5: unknown symbol 'nope'/);
  });
});
