/**
 * Why something another instance sent is not taken: one typed error for
 * every refusal of federated content, with a sentence an operator can act
 * on, and the position in the source where the problem is one.
 */

/**
 * What was wrong:
 * - `cid`: the bytes do not match the CID they came with (changed on the way);
 * - `hash`: the language hash does not match the source and its definitions;
 * - `format`: the source does not read, is not one canonical form, or a
 *   definition does not define what it is named;
 * - `policy`: over a size limit, or code this instance does not run;
 * - `fetch`: the object could not be fetched again from its origin;
 * - `attribution`: the object is not the actor's who sent it;
 * - `signature`: the request's signature is missing or wrong;
 * - `unfollowed`: it came from an actor this instance does not follow.
 */
export type RefusalReason = "cid" | "hash" | "format" | "policy" | "fetch" | "attribution" | "signature" | "unfollowed";

/** Federated content refused, saying why (and where in its source, when it is about the source). */
export class FederationRefusal extends Error {
  override name = "FederationRefusal";
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
  }
}
