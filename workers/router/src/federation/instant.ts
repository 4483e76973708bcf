/**
 * Instants for Fedify's vocabulary. Workers have no `Temporal`; Fedify makes
 * its own with @js-temporal/polyfill and types them as the standard's (the
 * `esnext.temporal` library): the same objects, told apart only by TypeScript.
 */
import { Temporal as Polyfill } from "@js-temporal/polyfill";

export function instant(at: string | Date = new Date()): Temporal.Instant {
  return Polyfill.Instant.from(new Date(at).toISOString()) as unknown as Temporal.Instant;
}
