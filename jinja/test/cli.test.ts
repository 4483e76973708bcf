/**
 * `sexp from-jinja` and `sexp ab`, on files: the draft on stdout and what
 * could not be converted on stderr as FILE:LINE:COL, with the exit status
 * saying which; the A/B proof passing for a faithful rewrite and showing
 * the first difference for one that is not. One run goes through the `sexp`
 * command itself.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { main, type CliIO } from "../src/cli.ts";

let dir = "";
const at = (name: string) => join(dir, name);

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { readText: (p) => readFile(p, "utf8"), stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
  return { code: await main(argv, io), out, err };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "jinja-cli-"));
  await writeFile(at("nav.njk"), `<nav>{% for link in links %}<a href="{{ link.href }}" class="{% if loop.first %}first{% endif %}">{{ link.title }}</a>{% endfor %}</nav>`);
  await writeFile(at("page.njk"), `<header>{% include "nav.njk" %}</header>\n<h1>{{ title | upper }}</h1>`);
  await writeFile(at("broken.njk"), `<p>{{ title }}</p>\n<p>{{ title | wordcount }}</p>`);
  await writeFile(at("data.json"), JSON.stringify({ title: "Fish & chips", links: [{ href: "/a/", title: "A" }, { href: "/b/", title: "B" }] }));
  await writeFile(at("lib.sexp"), `(defcomp ~nav (&key links) (nav (map-indexed (fn (i l) (a :href (:href l) :class (if (= i 0) "first" "") (:title l))) links)))`);
  await writeFile(at("page.sexp"), `(header (~nav :links links)) (h1 (upper title))`);
  await writeFile(at("wrong.sexp"), `(header (~nav :links links)) (h1 title)`);
});

describe("sexp from-jinja", () => {
  it("prints the draft and exits 0 when everything converted (includes found beside the template)", async () => {
    const { code, out, err } = await run(["from-jinja", at("page.njk")]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain("(header");
    expect(out).toContain("(upper (str title))");
    await writeFile(at("draft.sexp"), out);
    expect((await run(["ab", "--template", at("page.njk"), "--sexp", at("draft.sexp"), "--data", at("data.json")])).code).toBe(0);
  });

  it("reports what it could not convert as FILE:LINE:COL and exits 1, the draft still printed", async () => {
    const { code, out, err } = await run(["from-jinja", at("broken.njk")]);
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`^${at("broken.njk")}:2:15: the filter wordcount cannot be converted`));
    expect(out).toContain("(p (str title))");
  });

  it("takes the app's own filters as the functions that do the same", async () => {
    const { code, out } = await run(["from-jinja", "--filter", "wordcount=word-count", at("broken.njk")]);
    expect(code).toBe(0);
    expect(out).toContain("(word-count title)");
  });

  it("says what is wrong with how it was called", async () => {
    expect((await run(["from-jinja"])).code).toBe(2);
    expect((await run(["from-jinja", at("nothing.njk")])).err).toMatch(/nothing\.njk: no such file/);
  });
});

describe("sexp ab", () => {
  it("exits 0 when a hand rewrite (with its library) renders the same page", async () => {
    const { code, out } = await run(["ab", "--template", at("page.njk"), "--sexp", at("page.sexp"), "--lib", at("lib.sexp"), "--data", at("data.json")]);
    expect(out).toMatch(/^same HTML/);
    expect(code).toBe(0);
  });

  it("prints the first difference and exits 1 when it does not", async () => {
    const { code, out } = await run(["ab", "--template", at("page.njk"), "--sexp", at("wrong.sexp"), "--lib", at("lib.sexp"), "--data", at("data.json")]);
    expect(code).toBe(1);
    expect(out).toContain(`different HTML`);
    expect(out).toContain(`at h1[1] > #text[0]:\n    ${at("page.njk")}: text "FISH & CHIPS"\n    ${at("wrong.sexp")}: text "Fish & chips"`);
  });

  it("runs as the sexp command", async () => {
    const bin = new URL("../../sexp/bin/sexp.js", import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "ab", "--template", at("page.njk"), "--sexp", at("page.sexp"), "--lib", at("lib.sexp"), "--data", at("data.json")]);
    expect(stdout).toMatch(/^same HTML/);
  });
});
