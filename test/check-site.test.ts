/** `npm run check`: the site's sources against the site's own vocabulary, with positions. */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = (...files: string[]) => {
  try {
    return { code: 0, out: execFileSync(process.execPath, ["dev/check.js", ...files], { cwd: root, encoding: "utf8", stdio: "pipe" }), err: "" };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, out: x.stdout, err: x.stderr };
  }
};

describe("npm run check", () => {
  it("finds the site clean: query, frag, current-user and the rest are known", () => {
    const { code, out } = run();
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+ files: no problems$/m);
  }, 30_000);

  it("reports a mistake in a file with its position, the line and a caret, and exits 1", () => {
    const file = "app/components/zz-check-test.sexp";
    writeFileSync(`${root}${file}`, `(defcomp ~oops (&key)\n  (p (~nav-tree :itemz 1)))\n`);
    onTestFinished(() => rmSync(`${root}${file}`, { force: true }));
    const { code, out, err } = run(file);
    expect(code).toBe(1);
    expect(out).toMatch(/^1 file: 1 problem$/m);
    expect(err).toBe(`${file}:2:6: ~nav-tree has no parameter :itemz (did you mean :items?)\n2 |   (p (~nav-tree :itemz 1)))\n  |      ^\n`);
  }, 30_000);

  it("knows the app's queries, actions and fragments: unknown names, parameters and mistyped values, with what was meant", () => {
    const file = "app/components/zz-check-queries.sexp";
    writeFileSync(
      `${root}${file}`,
      [
        `(defcomp ~listing (&key)`,
        `  (div (query market productsx :sort "name")`,
        `       (query market products :sortt "name")`,
        `       (query blog recent-posts :limit "ten")`,
        `       (query blog post-by-slug)`,
        `       (action cart add-item :product_id 1)`,
        `       (query cart add-item :product_id 1)`,
        `       (frag cart cart-mni)`,
        `       (frag account auth-menu :nme "x")))`,
        ``,
      ].join("\n"),
    );
    onTestFinished(() => rmSync(`${root}${file}`, { force: true }));
    const { code, err } = run(file);
    expect(code).toBe(1);
    const lines = err.split("\n").filter((l) => l.startsWith(file));
    expect(lines).toEqual([
      `${file}:2:8: unknown query market/productsx (did you mean market/products?)`,
      `${file}:3:31: query market/products has no parameter :sortt (did you mean :sort?)`,
      `${file}:4:40: query blog/recent-posts: :limit must be int, got string "ten"`,
      `${file}:5:8: query blog/post-by-slug needs :slug (text)`,
      `${file}:7:8: cart/add-item is an action: use (action ...)`,
      `${file}:8:8: unknown fragment cart/cart-mni (did you mean cart/cart-mini?)`,
      `${file}:9:32: fragment account/auth-menu has no parameter :nme (did you mean :name?)`,
    ]);
  }, 30_000);
});
