/**
 * Each local actor's keys: RSA (HTTP Signatures, cavage and RFC 9421) and
 * Ed25519 (FEP-8b32 object proofs), made at the actor's first use and kept
 * in the site's database; two first uses at once keep the first stored.
 */
import { exportJwk, generateCryptoKeyPair, importJwk } from "@fedify/fedify";
import type { ActorJwks, FederationStore } from "./store.ts";

/** Imported keys, per actor and stored keys (this isolate). */
const imported = new Map<string, Promise<CryptoKeyPair[]>>();

export async function actorKeyPairs(store: FederationStore, actor: string): Promise<CryptoKeyPair[]> {
  const jwks = (await store.keys(actor)) ?? (await store.storeKeys(actor, await newKeys()));
  const which = `${actor} ${jwks.rsa.public.n} ${jwks.ed25519.public.x}`;
  let pairs = imported.get(which);
  if (!pairs) {
    pairs = Promise.all([importPair(jwks.rsa), importPair(jwks.ed25519)]);
    imported.set(which, pairs);
    pairs.catch(() => imported.delete(which));
  }
  return pairs;
}

async function importPair(pair: { private: JsonWebKey; public: JsonWebKey }): Promise<CryptoKeyPair> {
  return { privateKey: await importJwk(pair.private, "private"), publicKey: await importJwk(pair.public, "public") };
}

async function newKeys(): Promise<ActorJwks> {
  const rsa = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  const ed25519 = await generateCryptoKeyPair("Ed25519");
  return {
    rsa: { private: await exportJwk(rsa.privateKey), public: await exportJwk(rsa.publicKey) },
    ed25519: { private: await exportJwk(ed25519.privateKey), public: await exportJwk(ed25519.publicKey) },
  };
}
