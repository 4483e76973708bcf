/** The base (pure) primitive set. Hosts extend it with I/O primitives. */
import { Registry } from "../registry.ts";
import { registerData } from "./data.ts";
import { registerEmbed } from "./embed.ts";
import { registerLists } from "./lists.ts";
import { registerMath } from "./math.ts";
import { registerStrings } from "./strings.ts";

export function createBaseRegistry(): Registry {
  const r = new Registry();
  registerLists(r);
  registerStrings(r);
  registerMath(r);
  registerData(r);
  registerEmbed(r);
  return r;
}

/** The shared base registry. Extend it (`basePrimitives.extend()`) rather than adding to it. */
export const basePrimitives: Registry = createBaseRegistry();
