/**
 * The package's shape, read from its source: no import circles (`import`
 * and `import type`, `export ... from`) except the compiler <-> markup
 * recursion, and no message written both in the checker and in the
 * compiler or runtime (forms.ts and errors.ts are where shared ones live).
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

/** Strongly connected components with more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
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

  it("has no import circle but the compiler <-> markup recursion", () => {
    expect(cycles(importGraph())).toEqual([["compiler.ts", "markup.ts"]]);
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
