import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["sexp/**/*.test.ts", "test/**/*.test.ts", "workers/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
  },
});
