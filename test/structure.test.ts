/**
 * The repository's shape, read from its source: which of our packages may
 * import which (the language and the libraries never import a Worker), and
 * no import circle anywhere but the compiler <-> markup recursion.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Our packages: name -> source folder and the package it is. */
const PACKAGES: Record<string, string> = {
  "@rose-ash/sexp": "sexp/src",
  "@rose-ash/vocabulary": "vocabulary/src",
  "@rose-ash/content": "content/src",
  "@rose-ash/executor": "executor/src",
  "@rose-ash/federation": "federation/src",
  "@rose-ash/durable-objects": "durable-objects/src",
  "@rose-ash/app": "app",
  "@rose-ash/resolver": "workers/resolver/src",
  "@rose-ash/llm": "workers/llm/src",
  "@rose-ash/router": "workers/router/src",
  "@rose-ash/render": "gpu-render-service/src",
};

/** Who may import whom (each package's own dependencies among ours). */
const ALLOWED: Record<string, readonly string[]> = {
  "@rose-ash/sexp": [],
  "@rose-ash/vocabulary": ["@rose-ash/sexp"],
  "@rose-ash/content": [],
  "@rose-ash/durable-objects": ["@rose-ash/content"],
  "@rose-ash/executor": ["@rose-ash/sexp", "@rose-ash/content", "@rose-ash/durable-objects"],
  "@rose-ash/federation": ["@rose-ash/sexp", "@rose-ash/content"],
  "@rose-ash/app": [],
  "@rose-ash/resolver": ["@rose-ash/sexp", "@rose-ash/vocabulary", "@rose-ash/app"],
  "@rose-ash/llm": ["@rose-ash/sexp", "@rose-ash/vocabulary", "@rose-ash/content", "@rose-ash/app", "@rose-ash/resolver"],
  "@rose-ash/render": ["@rose-ash/sexp", "@rose-ash/content", "@rose-ash/executor"],
  "@rose-ash/router": ["@rose-ash/sexp", "@rose-ash/vocabulary", "@rose-ash/content", "@rose-ash/executor", "@rose-ash/durable-objects", "@rose-ash/app", "@rose-ash/resolver", "@rose-ash/llm", "@rose-ash/render", "@rose-ash/federation"],
};

/** Of the render service, Workers import only what reads and names recipes: no engine, no encoder, no Node. */
const WORKER_SAFE = new Map([["@rose-ash/render", "@rose-ash/render/recipe"]]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "node_modules" || f === "test" || f === "static" ? [] : sourceFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /import\(\s*["']([^"']+)["']\s*\)/g;

/** Every module's imports of our modules, as paths from the root (a package import is its entry). */
function importGraph(): { graph: Map<string, string[]>; packages: Map<string, Set<string>> } {
  const graph = new Map<string, string[]>();
  const packages = new Map<string, Set<string>>();
  const entry = (name: string) => `${PACKAGES[name]}/index.ts`;
  for (const [name, dir] of Object.entries(PACKAGES)) {
    const used = new Set<string>();
    packages.set(name, used);
    for (const f of sourceFiles(join(ROOT, dir))) {
      const targets: string[] = [];
      const text = readFileSync(f, "utf8");
      for (const [, spec] of [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC_IMPORT)]) {
        if (spec!.startsWith(".")) targets.push(relative(ROOT, resolve(dirname(f), spec!)));
        else {
          const pkg = Object.keys(PACKAGES).find((p) => spec === p || spec!.startsWith(`${p}/`));
          if (pkg && pkg !== name) {
            used.add(pkg);
            targets.push(entry(pkg));
          }
        }
      }
      graph.set(relative(ROOT, f), targets);
    }
  }
  return { graph, packages };
}

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

describe("the repository's structure", () => {
  it("reads the graph: the router asks the executor, which the Worker tests would notice missing", () => {
    const { graph, packages } = importGraph();
    expect(graph.get("workers/router/src/index.ts")).toContain("executor/src/index.ts");
    expect(packages.get("@rose-ash/durable-objects")).toEqual(new Set(["@rose-ash/content"]));
  });

  it("imports across packages only what each may: no library imports a Worker", () => {
    const { packages } = importGraph();
    for (const [name, used] of packages) expect([...used].filter((u) => !ALLOWED[name]!.includes(u)), name).toEqual([]);
  });

  it("gives Workers only the Worker-safe entry of a Node package", () => {
    for (const f of sourceFiles(join(ROOT, "workers/router/src"))) {
      const text = readFileSync(f, "utf8");
      for (const [, spec] of [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC_IMPORT)]) {
        for (const [pkg, safe] of WORKER_SAFE) if (spec === pkg || spec!.startsWith(`${pkg}/`)) expect(spec, relative(ROOT, f)).toBe(safe);
      }
    }
  });

  it("has no import circle but the compiler <-> markup recursion", () => {
    expect(cycles(importGraph().graph)).toEqual([["sexp/src/compiler.ts", "sexp/src/markup.ts"]]);
  });
});
