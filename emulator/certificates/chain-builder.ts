// Builds and checks the chain X509Certificate2.Verify() builds: leaf → intermediates → a trust anchor in Root.
//
// Where issuers come from (INF for APIM, modelled on Windows): the certificates the client presented in the TLS
// handshake (SChannel keeps them in the remote certificate's store, which CertGetCertificateChain searches), then the
// instance's CertificateAuthority uploads, then Root. A chain is trusted only when it ends in a self-issued
// certificate that is in Root, so a self-signed client certificate verifies only when it was itself uploaded to Root.
//
// What is checked (the X509ChainStatusFlags .NET would raise): every link's signature (NotSignatureValid), issuer
// name chaining, basicConstraints cA on issuers and their pathLenConstraint (InvalidBasicConstraints), keyCertSign
// in an issuer's keyUsage (NotValidForUsage), the end (UntrustedRoot / PartialChain), and — separately, because it
// depends on the clock — each element's validity period (NotTimeValid).
//
// What is NOT checked, on purpose: extended key usage. Verify() uses the default X509ChainPolicy, whose
// ApplicationPolicy is empty (dotnet/runtime X509Certificate2.Verify: "Use the default values of chain.ChainPolicy";
// X509ChainPolicy.Reset leaves _applicationPolicy null), so a certificate without clientAuth still verifies.
// Name constraints, certificate policies and unknown critical extensions are not checked either (not modelled).

import { verify as cryptoVerify, createPublicKey, type KeyObject } from 'node:crypto';
import { thumbprintOf, type CertificateInfo } from '../../ca/certificate-info';
import { formatDotnet } from '../../ca/dn';
import { isSelfIssued, type StoredCertificate, type TrustStore } from './trust-store';

export type ChainStatusFlag =
  | 'NotTimeValid'
  | 'NotSignatureValid'
  | 'UntrustedRoot'
  | 'PartialChain'
  | 'InvalidBasicConstraints'
  | 'NotValidForUsage'
  | 'Revoked'
  | 'RevocationStatusUnknown'
  | 'OfflineRevocation';

export type ElementSource = 'leaf' | 'presented' | 'CertificateAuthority' | 'Root' | 'PublicRoot';

export interface ChainElement {
  readonly info: CertificateInfo;
  readonly thumbprint: string;
  readonly source: ElementSource;
}

export interface ChainProblem {
  readonly flag: ChainStatusFlag;
  /** Index in `elements` (0 = the leaf). */
  readonly index: number;
  readonly message: string;
}

/** The clock-independent result: the chosen path, whether it ends in a trust anchor, and its structural problems. */
export interface BuiltChain {
  readonly elements: readonly ChainElement[];
  readonly trusted: boolean;
  readonly problems: readonly ChainProblem[];
}

const MAX_DEPTH = 10;
const MAX_PATHS = 32;

// Signature algorithm OID → hash for crypto.verify (null: the key type implies it, Ed25519/Ed448).
const SIGNATURE_HASH: ReadonlyMap<string, string | null> = new Map([
  ['1.2.840.113549.1.1.5', 'sha1'],
  ['1.2.840.113549.1.1.14', 'sha224'],
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
  ['1.2.840.10045.4.1', 'sha1'],
  ['1.2.840.10045.4.3.1', 'sha224'],
  ['1.2.840.10045.4.3.2', 'sha256'],
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
  ['1.3.101.112', null],
  ['1.3.101.113', null],
]);

// Signature results are pure functions of (child DER, issuer DER): cache them across certificates and requests,
// bounded so a client sending endless distinct certificates cannot grow it.
const signatureCache = new Map<string, boolean>();
const SIGNATURE_CACHE_MAX = 4096;
const keyCache = new WeakMap<CertificateInfo, KeyObject>();

/** Forgets every cached signature result (benchmarks measure the cold path with it). */
export const clearSignatureCache = (): void => signatureCache.clear();

function publicKeyOf(info: CertificateInfo): KeyObject {
  let key = keyCache.get(info);
  if (!key) {
    key = createPublicKey({ key: info.spki, format: 'der', type: 'spki' });
    keyCache.set(info, key);
  }
  return key;
}

/** Whether `child`'s signature verifies with `issuer`'s public key. X.509 ECDSA signatures are DER, Node's default. */
export function signatureValid(child: ChainElement, issuer: ChainElement): boolean {
  const cacheKey = `${child.thumbprint}>${issuer.thumbprint}`;
  const cached = signatureCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let ok = false;
  const hash = SIGNATURE_HASH.get(child.info.signatureAlgorithm);
  if (hash !== undefined) {
    try {
      ok = cryptoVerify(hash, child.info.tbs, publicKeyOf(issuer.info), child.info.signature);
    } catch {
      ok = false; // wrong key type for the algorithm, malformed signature: not a valid signature
    }
  }
  if (signatureCache.size >= SIGNATURE_CACHE_MAX) signatureCache.clear();
  signatureCache.set(cacheKey, ok);
  return ok;
}

const KEY_CERT_SIGN = 0x04; // keyUsage bit 5 in the first octet (bit 0 is 0x80)

const describe = (e: ChainElement) => `"${formatDotnet(e.info.subject)}" (${e.thumbprint})`;

interface Candidate {
  readonly element: ChainElement;
  readonly anchor: boolean;
}

function issuerCandidates(cur: ChainElement, presented: readonly ChainElement[], store: TrustStore, used: ReadonlySet<string>): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (element: ChainElement, anchor: boolean) => {
    if (used.has(element.thumbprint) || seen.has(element.thumbprint)) return;
    seen.add(element.thumbprint);
    out.push({ element, anchor });
  };
  const fromStore = (s: StoredCertificate): ChainElement => ({ info: s.info, thumbprint: s.thumbprint, source: s.store });
  const stored = store.issuersOf(cur.info.issuerDer);
  for (const s of stored) if (s.store !== 'CertificateAuthority' && isSelfIssued(s.info)) add(fromStore(s), true);
  for (const s of stored) if (s.store === 'CertificateAuthority') add(fromStore(s), false);
  for (const p of presented) if (p.info.subjectDer.equals(cur.info.issuerDer)) add(p, store.isTrustAnchor(p.thumbprint) && isSelfIssued(p.info));
  for (const s of stored) if (s.store !== 'CertificateAuthority' && !isSelfIssued(s.info)) add(fromStore(s), false);
  // Prefer the issuer whose subjectKeyIdentifier matches the child's authorityKeyIdentifier (key rollover).
  const aki = cur.info.authorityKeyIdentifier;
  if (aki) {
    const rank = (c: Candidate) => (c.element.info.subjectKeyIdentifier && !c.element.info.subjectKeyIdentifier.equals(aki) ? 1 : 0);
    out.sort((a, b) => rank(a) - rank(b));
  }
  return out;
}

function structuralProblems(elements: readonly ChainElement[], trusted: boolean, end: 'anchor' | 'self-issued' | 'no-issuer' | 'too-deep'): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const last = elements.length - 1;
  for (let i = 0; i < elements.length; i++) {
    const el = elements[i]!;
    const issuer = i < last ? elements[i + 1] : end === 'anchor' || end === 'self-issued' ? el : undefined;
    if (issuer && !signatureValid(el, issuer)) {
      problems.push({ flag: 'NotSignatureValid', index: i, message: `the signature of ${describe(el)} does not verify with the key of ${describe(issuer)}` });
    }
    if (i === 0) continue;
    const bc = el.info.basicConstraints;
    const isAnchor = i === last && trusted;
    if (!bc?.ca && !(isAnchor && !bc)) {
      problems.push({ flag: 'InvalidBasicConstraints', index: i, message: `${describe(el)} issues certificates but is not a CA (basicConstraints cA is not true)` });
    }
    // pathLenConstraint counts the non-self-issued intermediates below this CA (RFC 5280 §4.2.1.9).
    if (bc?.pathLength !== undefined) {
      let below = 0;
      for (let j = 1; j < i; j++) if (!isSelfIssued(elements[j]!.info)) below++;
      if (below > bc.pathLength) {
        problems.push({ flag: 'InvalidBasicConstraints', index: i, message: `${describe(el)} allows ${bc.pathLength} intermediate(s) below it, the chain has ${below}` });
      }
    }
    if (el.info.keyUsage !== undefined && !(el.info.keyUsage & KEY_CERT_SIGN)) {
      problems.push({ flag: 'NotValidForUsage', index: i, message: `${describe(el)} has a keyUsage without keyCertSign` });
    }
  }
  if (end === 'self-issued') {
    problems.push({ flag: 'UntrustedRoot', index: last, message: `the chain ends in ${describe(elements[last]!)}, which is not in the Root store` });
  } else if (end === 'no-issuer') {
    problems.push({
      flag: 'PartialChain',
      index: last,
      message: `no issuer for ${describe(elements[last]!)} (issuer "${formatDotnet(elements[last]!.info.issuer)}") among the presented certificates or the uploaded CA certificates`,
    });
  } else if (end === 'too-deep') {
    problems.push({ flag: 'PartialChain', index: last, message: `the chain is longer than ${MAX_DEPTH} certificates` });
  }
  return problems;
}

/**
 * Builds every candidate path (bounded) and keeps the best: trusted over untrusted, then fewest problems, then the
 * first found (trust anchors and key-identifier matches are tried first), as CertGetCertificateChain prefers.
 */
export function buildChain(leaf: CertificateInfo, presented: readonly CertificateInfo[], store: TrustStore): BuiltChain {
  const leafElement: ChainElement = { info: leaf, thumbprint: thumbprintOf(leaf.der), source: 'leaf' };
  const presentedElements: ChainElement[] = presented.map((info) => ({ info, thumbprint: thumbprintOf(info.der), source: 'presented' }));
  let best: BuiltChain | undefined;
  let paths = 0;
  const consider = (elements: ChainElement[], end: 'anchor' | 'self-issued' | 'no-issuer' | 'too-deep') => {
    paths++;
    const trusted = end === 'anchor';
    const candidate: BuiltChain = { elements: [...elements], trusted, problems: structuralProblems(elements, trusted, end) };
    if (!best || better(candidate, best)) best = candidate;
  };
  const walk = (path: ChainElement[], used: Set<string>) => {
    if (paths >= MAX_PATHS) return;
    const cur = path[path.length - 1]!;
    if (isSelfIssued(cur.info) && store.isTrustAnchor(cur.thumbprint)) return consider(path, 'anchor');
    if (path.length >= MAX_DEPTH) return consider(path, 'too-deep');
    const candidates = isSelfIssued(cur.info) ? [] : issuerCandidates(cur, presentedElements, store, used);
    if (candidates.length === 0) return consider(path, isSelfIssued(cur.info) ? 'self-issued' : 'no-issuer');
    for (const c of candidates) {
      used.add(c.element.thumbprint);
      path.push(c.element);
      walk(path, used);
      path.pop();
      used.delete(c.element.thumbprint);
      if (best?.trusted && best.problems.length === 0) return;
    }
  };
  walk([leafElement], new Set([leafElement.thumbprint]));
  return best!;
}

function better(a: BuiltChain, b: BuiltChain): boolean {
  if (a.trusted !== b.trusted) return a.trusted;
  return a.problems.length < b.problems.length;
}

/** The clock-dependent part: NotTimeValid for every element outside its validity period at `now`. */
export function timeProblems(chain: BuiltChain, now: Date): ChainProblem[] {
  const t = now.getTime();
  const problems: ChainProblem[] = [];
  chain.elements.forEach((el, index) => {
    if (el.info.notBefore.getTime() > t) {
      problems.push({ flag: 'NotTimeValid', index, message: `${describe(el)} is not valid before ${el.info.notBefore.toISOString()}` });
    } else if (el.info.notAfter.getTime() < t) {
      problems.push({ flag: 'NotTimeValid', index, message: `${describe(el)} expired at ${el.info.notAfter.toISOString()}` });
    }
  });
  return problems;
}
