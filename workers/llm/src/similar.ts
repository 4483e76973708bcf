/**
 * How alike two prompts are: the cosine of their character-trigram counts
 * (words lowercased, punctuation dropped), 0 to 1. Cheap, language-agnostic,
 * and good enough to pick few-shot examples and the closest earlier
 * generation; no model is involved.
 */

export function normalizePrompt(prompt: string): string {
  return prompt.normalize("NFKC").toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').replace(/\s+/g, " ").trim();
}

function trigrams(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of normalizePrompt(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean)) {
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) {
      const t = padded.slice(i, i + 3);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  }
  return counts;
}

export function similarity(a: string, b: string): number {
  const x = trigrams(a);
  const y = trigrams(b);
  let dot = 0;
  for (const [t, n] of x) dot += n * (y.get(t) ?? 0);
  const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, n) => s + n * n, 0));
  const d = norm(x) * norm(y);
  return d === 0 ? 0 : dot / d;
}

/** The items most like `prompt`, best first, at least `min` alike. */
export function mostSimilar<T extends { prompt: string }>(prompt: string, items: readonly T[], count: number, min = 0.2): (T & { similarity: number })[] {
  return items
    .map((item) => ({ ...item, similarity: similarity(prompt, item.prompt) }))
    .filter((s) => s.similarity >= min)
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, count);
}
