/**
 * What a route answers: `(render page)` is a page, `(status 404 page)` a page
 * with another status, `(redirect "/to")` a 303 to a path on this site. They
 * are pure: each makes a response value, a map marked as one (so a page
 * cannot pass for it by accident), that the router reads with `routeResult`.
 */
import { EvalError, Html, Keyword, toHtml, type SMap, type Value } from "@rose-ash/sexp";
import type { PrimitiveDoc, PrimitiveFn } from "./spec.ts";

const RESPONSE = "rose/response";

export const RESPONSE_PRIMITIVES: readonly PrimitiveDoc[] = [
  {
    io: false,
    name: "render",
    params: "page",
    page: 0,
    doc: "Answer the request with this HTML (status 200).",
    examples: [['(render (p "hi"))', '{:rose/response "html" :status 200 :body (raw! "<p>hi</p>")}']],
  },
  {
    io: false,
    name: "status",
    params: "code page",
    page: 1,
    doc: "Answer with this HTML and HTTP status code.",
    examples: [['(status 404 (p "gone"))', '{:rose/response "html" :status 404 :body (raw! "<p>gone</p>")}']],
  },
  {
    io: false,
    name: "redirect",
    params: "location",
    doc: "Answer with a 303 redirect to a path on this site.",
    examples: [['(redirect "/cart/")', '{:rose/response "redirect" :status 303 :location "/cart/"}']],
  },
];

export const responseFunctions: Readonly<Record<string, PrimitiveFn>> = {
  render: ([page]) => responseValue("html", 200, ["body", new Html(toHtml(page!))]),
  status: ([code, page]) => {
    if (typeof code !== "number" || !Number.isInteger(code) || code < 200 || code > 599) throw new EvalError("status: the code must be an HTTP status (200-599)");
    return responseValue("html", code, ["body", new Html(toHtml(page!))]);
  },
  redirect: ([to]) => {
    const location = typeof to === "string" ? to : to instanceof Keyword ? to.name : null;
    // Only same-site paths: an open redirect is a phishing tool.
    if (location === null || !location.startsWith("/") || location.startsWith("//") || location.startsWith("/\\")) {
      throw new EvalError("redirect: the location must be a path on this site, like /cart/");
    }
    return responseValue("redirect", 303, ["location", location]);
  },
};

function responseValue(kind: "html" | "redirect", status: number, entry: [string, Value]): SMap {
  return new Map<string, Value>([[RESPONSE, kind], ["status", status], entry]);
}

/** Whether a value is a route's response (not a page that looks like one). */
export function isResponse(value: Value): value is SMap {
  return value instanceof Map && value.has(RESPONSE);
}

/** What a route body answered: a status with HTML, or a redirect. */
export interface RouteResult {
  readonly status: number;
  readonly html: string | null;
  readonly location: string | null;
}

export function routeResult(value: Value): RouteResult {
  if (isResponse(value)) {
    const status = value.get("status") as number;
    if (value.get(RESPONSE) === "redirect") return { status, html: null, location: value.get("location") as string };
    return { status, html: (value.get("body") as Html).html, location: null };
  }
  // A bare page is rendered as it is.
  return { status: 200, html: toHtml(value), location: null };
}
