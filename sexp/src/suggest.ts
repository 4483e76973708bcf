/**
 * "Did you mean ...?": the known name closest to a mistyped one, by edit
 * distance (Damerau–Levenshtein: insert, delete, substitute, swap two
 * neighbours), when it is close enough to be what was meant.
 */

/** The candidate within reach of `name` (ties: the first), or null. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  // A third of the name, at least one edit: `lenght` finds `length`, `x` does not find `y`.
  const reach = Math.max(1, Math.floor(name.length / 3));
  let best: string | null = null;
  let bestDistance = reach + 1;
  for (const c of candidates) {
    if (c === name || Math.abs(c.length - name.length) >= bestDistance) continue;
    const d = distance(name, c, bestDistance);
    // Not when every character would change (`x` is not a typo of `y`).
    if (d < bestDistance && d < Math.min(name.length, c.length)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean x?)` for the closest candidate, or nothing; `show` writes the candidate as the message does. */
export function didYouMean(name: string, candidates: Iterable<string>, show: (c: string) => string = (c) => c): string {
  const c = closest(name, candidates);
  return c === null ? "" : ` (did you mean ${show(c)}?)`;
}

/** Edit distance between a and b, or `limit` once it is certain to reach it. */
export function distance(a: string, b: string, limit = Infinity): number {
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let row = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin >= limit) return limit;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return prev[n]!;
}
