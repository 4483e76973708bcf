/**
 * @rose-ash/federation: what federating s-expressions takes beyond
 * ActivityPub itself, with no I/O and no Workers APIs: a document's
 * canonical source, CID and language hash, verified again on receipt; the
 * policy federated code is checked under on the instance that renders it
 * (its own components win over the origin's); and blog HTML as markup.
 */
export { FederationRefusal, type RefusalReason } from "./refusal.ts";
export {
  MAX_DEFINITIONS,
  MAX_SOURCE_BYTES,
  SEXP_MEDIA_TYPE,
  canonicalSource,
  describeDefinition,
  describeDocument,
  sourceCid,
  verifyDefinition,
  verifyDocument,
  type DefinitionDescription,
  type DocumentDescription,
  type ReceivedDefinition,
  type ReceivedDocument,
  type Reference,
  type VerifiedDocument,
} from "./document.ts";
export { ARRIVES_WITH_ITS_DATA, checkFederated, checkFederatedDefinition, definitionProblems, federatedPolicy, type FederatedCheck, type FederatedProblem, type FederatedSite } from "./policy.ts";
export { htmlToMarkup } from "./markup.ts";
export { dataSource } from "./data.ts";
