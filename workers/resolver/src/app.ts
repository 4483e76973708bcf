/**
 * The site's definitions as the resolver sees them: components, queries,
 * actions and routes from every source, plus which components are fragments.
 * A component defined in `app/fragments/<service>.sexp` is the fragment
 * `<service>/<name>`, rendered by `(frag <service> <name> ...)`.
 */
import { Component, createEnv, evaluateForms, parse, type Env, type Node, type Registry } from "@rose-ash/sexp";
import { fragmentService } from "@rose-ash/vocabulary";

export interface Source {
  readonly name: string;
  readonly text: string;
}

export interface App {
  readonly env: Env;
  /** Every top-level form of every source, in order. */
  readonly forms: readonly Node[];
  /** The component rendering fragment `service/name`. */
  fragment(service: string, name: string): Component | undefined;
}

export async function loadApp(sources: readonly Source[], registry: Registry): Promise<App> {
  const env = createEnv(registry);
  const fragments = new Map<string, Component>();
  const all: Node[] = [];
  for (const s of sources) {
    const forms = parse(s.text, { src: s.name });
    await evaluateForms(forms, env);
    all.push(...forms);
    const service = fragmentService(s.name);
    if (!service) continue;
    for (const f of forms) {
      const [head, name] = f.kind === "list" ? f.value : [];
      if (head?.value !== "defcomp" || name?.kind !== "sym") continue;
      const c = env.lookup(name.value);
      if (c instanceof Component) fragments.set(`${service}/${name.value.slice(1)}`, c);
    }
  }
  return { env, forms: all, fragment: (service, name) => fragments.get(`${service}/${name}`) };
}

