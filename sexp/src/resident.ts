/**
 * One object of each class a render makes, kept for the life of the
 * process. V8 keeps an object shape (hidden class) only while an object with
 * it is alive, or for a couple of collections after; a full garbage
 * collection that finds no render in flight (an idle Worker's, a forced
 * `gc()`) drops the shapes, and every optimized function compiled against
 * them is thrown away with them. Renders then run at half speed for about
 * 50 ms, until V8 has compiled them again.
 */
import { basePrimitives } from "./primitives/index.ts";
import { Env, EvalContext, Frame, Lambda, finishParams, type Params } from "./runtime.ts";
import { Sink } from "./sink.ts";
import { PageStream } from "./stream.ts";
import { Html } from "./types.ts";

function residents(): readonly object[] {
  const env = new Env(new Env(basePrimitives));
  const frame = new Frame([], null);
  const params: Params = { positional: [], rest: null, restSlot: -1, keys: [], keyIndex: new Map(), template: [], simple: false, defaults: [] };
  finishParams(params, 0);
  const page = new PageStream();
  void page.body.cancel();
  return [env, new EvalContext(env), frame, new Sink(), page, new Html(""), new Lambda("lambda", params, () => null, frame, { src: "", line: 0, col: 0 })];
}

export const RESIDENTS = residents();
