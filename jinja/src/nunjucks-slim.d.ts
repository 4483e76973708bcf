/** Nunjucks' runtime without its compiler (nunjucks/browser/nunjucks-slim.js): what renders precompiled templates. */
declare module "nunjucks/browser/nunjucks-slim.js" {
  export class PrecompiledLoader {
    constructor(templates: Record<string, unknown>);
  }
  export class Environment {
    constructor(loader: PrecompiledLoader, options?: { autoescape?: boolean; throwOnUndefined?: boolean });
    render(name: string, context?: object): string;
    addGlobal(name: string, value: unknown): this;
    addFilter(name: string, fn: (...args: never[]) => unknown): this;
  }
  export const runtime: { markSafe(html: string): unknown };
  const nunjucks: { Environment: typeof Environment; PrecompiledLoader: typeof PrecompiledLoader; runtime: typeof runtime };
  export default nunjucks;
}
