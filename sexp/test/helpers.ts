/** Small helpers shared by the language tests. */
import { createEnv, evaluate, printValue, render, type Env, type RunOptions } from "../src/index.ts";

/** Evaluate source and print the last value canonically. */
export async function ev(src: string, env: Env = createEnv(), options: RunOptions = {}): Promise<string> {
  return printValue(await evaluate(src, env, options));
}

/** Render source to HTML in a fresh (or given) environment. */
export function html(src: string, env: Env = createEnv(), options: RunOptions = {}): Promise<string> {
  return render(src, env, options);
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error & { loc?: { line: number; col: number }; kind?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, got a value");
}
