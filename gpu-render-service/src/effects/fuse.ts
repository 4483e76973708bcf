/**
 * The fusing rule: how a chain of effects splits into passes. Both engines
 * follow it, and it is part of what a chain means (the pixels depend on it),
 * so it lives beside the effect table.
 *
 * - A maximal run of per-pixel and remap effects is ONE fused pass. Inside
 *   it, the run is cut into groups, each "remaps, then per-pixel effects":
 *   a group's remaps compose their coordinate maps (the last remap's map is
 *   applied to the output pixel's centre first) and the group's input is
 *   sampled once there (bilinear, quantised to 8 bits), then the group's
 *   per-pixel effects run in order (each quantised). A remap that follows a
 *   per-pixel effect starts a new group.
 * - The WebGPU kernel evaluates the groups inside out without storing the
 *   frames between them: a group's bilinear sample reads its 4 taps from the
 *   previous group evaluated AT those integer pixels (its pixel effects
 *   included). That is exactly the frame-by-frame result the CPU engine
 *   computes, with no extra pass; the cost is 4 taps per remap group nested
 *   (4^g loads for g remap groups), which is why remaps that follow one
 *   another compose instead of nesting.
 * - Each neighbourhood effect is its own pass or passes (EffectSpec.passes:
 *   blur and bloom are two, separable).
 */
import type { EffectCall, Pass } from "../engine.ts";
import { resolve, type ResolvedCall } from "./resolve.ts";
import { EFFECTS } from "./table.ts";

/** A group of a fused pass: its remaps (composed, sampled once) then its per-pixel effects. */
export interface Group {
  readonly remaps: readonly ResolvedCall[];
  readonly pixels: readonly ResolvedCall[];
}

export type Stage = { readonly kind: "fused"; readonly groups: readonly Group[] } | { readonly kind: "neighbourhood"; readonly call: ResolvedCall };

/** A chain's calls, resolved (EffectError on a bad one), as stages to run in order; fuse false: one stage per effect. */
export function stagesOf(effects: readonly EffectCall[], fuse = true): Stage[] {
  if (!fuse) return effects.flatMap((e) => stagesOf([e]));
  const stages: Stage[] = [];
  let groups: { remaps: ResolvedCall[]; pixels: ResolvedCall[] }[] = [];
  const flush = (): void => {
    if (groups.length) stages.push({ kind: "fused", groups });
    groups = [];
  };
  for (const call of effects) {
    const r = resolve(call);
    if (r.spec.kind === "neighbourhood") {
      flush();
      stages.push({ kind: "neighbourhood", call: r });
      continue;
    }
    let last = groups[groups.length - 1];
    if (r.spec.kind === "remap") {
      if (!last || last.pixels.length) groups.push((last = { remaps: [], pixels: [] }));
      last.remaps.push(r);
    } else {
      if (!last) groups.push((last = { remaps: [], pixels: [] }));
      last.pixels.push(r);
    }
  }
  flush();
  return stages;
}

/** The effects a stage applies, in order. */
export function stageEffects(stage: Stage): string[] {
  return stage.kind === "neighbourhood" ? [stage.call.spec.name] : stage.groups.flatMap((g) => [...g.remaps, ...g.pixels].map((c) => c.spec.name));
}

/** The passes a stage runs: one for a fused stage, EffectSpec.passes for a neighbourhood one. */
export function stagePasses(stage: Stage): Pass[] {
  const effects = stageEffects(stage);
  if (stage.kind === "fused") return [{ kind: "fused", effects }];
  return Array.from({ length: stage.call.spec.passes ?? 1 }, () => ({ kind: "neighbourhood" as const, effects }));
}

/**
 * The passes a chain of effect names runs, without resolving parameters
 * (what `--explain` shows before anything runs; the engines report the same).
 * Unknown names count as per-pixel (the recipe checker reports them).
 */
export function passesOf(names: readonly string[]): Pass[] {
  const passes: Pass[] = [];
  let run: string[] = [];
  for (const name of names) {
    const spec = EFFECTS.get(name);
    if (spec?.kind === "neighbourhood") {
      if (run.length) passes.push({ kind: "fused", effects: run });
      run = [];
      for (let i = 0; i < (spec.passes ?? 1); i++) passes.push({ kind: "neighbourhood", effects: [name] });
    } else run.push(name);
  }
  if (run.length) passes.push({ kind: "fused", effects: run });
  return passes;
}
