/**
 * Whether a write comes from another site. Browsers say so in
 * `Sec-Fetch-Site`; older ones at least send `Origin`, and failing that a
 * `Referer`. Only this origin (or a person's own action, `none`) may write.
 * A request with none of the three is not from a browser page, which is what
 * cross-site request forgery needs.
 */
export function isCrossSite(request: Request, url: URL): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site) return site !== "same-origin" && site !== "none";
  const origin = request.headers.get("origin");
  if (origin) return origin !== url.origin;
  const referer = request.headers.get("referer");
  if (referer) return originOf(referer) !== url.origin;
  return false;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
