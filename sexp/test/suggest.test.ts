import { describe, expect, it } from "vitest";
import { closest, didYouMean, distance } from "../src/suggest.ts";

describe("did you mean", () => {
  it("measures edits, a swap of neighbours counting as one", () => {
    expect(distance("lenght", "length")).toBe(1);
    expect(distance("kitten", "sitting")).toBe(3);
    expect(distance("", "abc")).toBe(3);
    expect(distance("abc", "abc")).toBe(0);
  });

  it("suggests the closest name within a third of its length, never a far one", () => {
    expect(closest("productsx", ["products", "product-by-slug", "categories"])).toBe("products");
    expect(closest("sortt", ["category", "sort"])).toBe("sort");
    expect(closest("~nav-tre", ["~nav-tree", "~nav-link"])).toBe("~nav-tree");
    expect(closest("x", ["y", "z"])).toBeNull();
    expect(closest("completely-different", ["products"])).toBeNull();
    expect(didYouMean("mpa", ["map", "filter"])).toBe(" (did you mean map?)");
    expect(didYouMean("sortt", ["sort"], (k) => ":" + k)).toBe(" (did you mean :sort?)");
    expect(didYouMean("zzz", ["map"])).toBe("");
  });
});
