/** Text for raw-text elements: `(json v)` in a script, `(css-value v)` in a style (see embed.ts). */
import { cssValue, scriptJson } from "../embed.ts";
import type { Registry } from "../registry.ts";

export function registerEmbed(r: Registry): void {
  r.define({
    name: "json",
    params: "x",
    doc:
      "x as JSON text safe inside a <script> (maps become objects, lists arrays, keywords their names; " +
      "< > & U+2028 U+2029 escaped as \\u003c etc.). The only way to put data in a script: " +
      '(script "var d = " (json d) ";") or (script :type "application/json" (json d)).',
    examples: [
      ['(json {:a (list 1 "x" :k nil true)})', '"{\\"a\\":[1,\\"x\\",\\"k\\",null,true]}"'],
      ['(json "</script>")', '"\\"\\\\u003c/script\\\\u003e\\""'],
    ],
    fn: ([x], ctx) => scriptJson(x!, ctx),
  });
  r.define({
    name: "css-value",
    params: "x",
    doc:
      "x as a value safe inside a CSS declaration: numbers, and identifiers, lengths, #hex colours and calls of " +
      "colour, maths, gradient and transform functions (no url(), quotes, escapes, ; { } or !); anything else is " +
      '"unset", nil is "". The only way to put data in a <style>: (style ".c { color: " (css-value c) " }").',
    examples: [
      ['(css-value "rgb(0 0 0 / 50%)")', '"rgb(0 0 0 / 50%)"'],
      ["(css-value 1.5)", '"1.5"'],
      ['(css-value "red; background: url(x)")', '"unset"'],
      ["(css-value nil)", '""'],
    ],
    fn: ([x]) => cssValue(x!),
  });
}
