/**
 * The package's shape, read from its source: what the runtime may not
 * know, and no message written both in the checker and in the compiler or
 * runtime (forms.ts and errors.ts are where shared ones live). Import
 * circles are checked for the whole repository in test/structure.test.ts.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Relative imports of every module (static, type-only, re-exports, dynamic), by path from src/. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    const specifiers = [
      ...text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["'](\.[^"']+)["']/gm),
      ...text.matchAll(/import\(\s*["'](\.[^"']+)["']\s*\)/g),
    ].map((m) => relative(SRC, resolve(dirname(f), m[1]!)));
    graph.set(relative(SRC, f), [...new Set(specifiers)]);
  }
  return graph;
}

/** Message-like literals of a module (quoted or template, with interpolations blanked), comments left out. */
function messages(file: string): Set<string> {
  const text = readFileSync(join(SRC, file), "utf8").replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, "");
  const out = new Set<string>();
  for (const m of text.matchAll(/(["'`])((?:\\.|(?!\1).)*)\1/g)) {
    const s = m[2]!.replace(/\$\{[^}]*\}/g, "${}");
    if (s.length >= 12 && s.includes(" ")) out.add(s);
  }
  return out;
}

describe("the package's structure", () => {
  it("the graph is read: every module imports what it should", () => {
    const graph = importGraph();
    expect(graph.get("compiler.ts")).toContain("forms.ts");
    expect(graph.get("check.ts")).toContain("forms.ts");
    expect(graph.get("call-check.ts")).toContain("query.ts"); // an `import type`
  });

  it("the runtime knows nothing of routes, SQL, the compiler or the primitives", () => {
    const runtime = importGraph().get("runtime.ts")!;
    for (const m of ["route.ts", "query.ts", "compiler.ts", "registry.ts", "primitives/index.ts", "primitives/lists.ts"]) expect(runtime).not.toContain(m);
  });

  it("no message is written both in the checker and in the compiler or runtime", () => {
    const checker = new Set([...messages("check.ts"), ...messages("calls.ts")]);
    for (const file of ["compiler.ts", "markup.ts", "runtime.ts"]) {
      expect([...messages(file)].filter((m) => checker.has(m)), file).toEqual([]);
    }
  });
});
