import { SELF } from "cloudflare:test";

/**
 * A request as a browser makes it: the whole response read before the next.
 * (A page no one had is sent as it renders and kept once it is all there,
 * so a test that only looks at headers would otherwise race the keeping.)
 */
export async function fetched(url: string, init?: RequestInit): Promise<Response> {
  const res = await SELF.fetch(url, init);
  const body = await res.arrayBuffer();
  const empty = res.status === 101 || res.status === 204 || res.status === 205 || res.status === 304;
  return new Response(empty ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
