import { it } from "vitest";
import { readFileSync } from "node:fs";
import { grammarProblems } from "../src/index.ts";
it("t", () => {
  const g = readFileSync("/tmp/scratch/site.gbnf", "utf8");
  for (let i = 0; i < 3; i++) { const t = performance.now(); grammarProblems(g); console.log("problems", performance.now() - t); }
});
