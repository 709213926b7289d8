// RFC 6960 §4.2 OCSPResponse: building (the responder) and parsing + verifying (clients: the emulator's Verify(),
// tests). Hand-written DER for the same reason as the CRLs: the responder signs thousands of these a second.

import { createHash, type KeyObject } from 'node:crypto';
import { bitString, contentOf, DerError, encodingOf, enumerated, expectTag, explicit, generalizedTime, octetString, oid, parseDer, readBitString, readInteger, readNode, readOid, readTime, seq, Tag, tlv, type DerNode, children } from './der';
import { decodeCertId, findNonce, type CertId } from './ocsp-request';
import { OID } from './oids';
import { corruptSignature, parsedCertificate, signatureAlgorithmFor, signWith, verifyWith } from './revocation-signature';
import { CRL_REASON_CODES, type CrlReason } from './types';
import type { CertificateInfo } from './certificate-info';

export const OCSP_RESPONSE_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;
export type OcspResponseStatus = keyof typeof OCSP_RESPONSE_STATUS;
export type CertStatus = 'good' | 'revoked' | 'unknown';

const STATUS_NAMES = new Map(Object.entries(OCSP_RESPONSE_STATUS).map(([name, code]) => [code as number, name as OcspResponseStatus]));
const REASON_NAMES = new Map(Object.entries(CRL_REASON_CODES).map(([name, code]) => [code, name as CrlReason]));

// ---------------------------------------------------------------------------------------------------------------
// Building

/** An OCSPResponse without responseBytes: malformedRequest, internalError, tryLater, sigRequired, unauthorized. */
export function buildOcspErrorResponse(status: Exclude<OcspResponseStatus, 'successful'>): Buffer {
  return seq(enumerated(OCSP_RESPONSE_STATUS[status]));
}

export interface SingleResponseInput {
  /** The request's CertID DER, echoed as is. */
  readonly certId: Buffer;
  readonly status: CertStatus;
  readonly revokedAt?: Date;
  readonly reason?: CrlReason;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

export interface OcspSigningIdentity {
  readonly certDer: Buffer;
  readonly key: KeyObject;
  /** Put the signer's certificate in `certs` (a delegated signer must; the CA itself need not). */
  readonly includeCert: boolean;
}

export interface BuildOcspResponseOptions {
  readonly signer: OcspSigningIdentity;
  readonly producedAt: Date;
  readonly responses: readonly SingleResponseInput[];
  /** The request's nonce Extension, echoed verbatim. */
  readonly nonceExtension?: Buffer;
  /** The 'badSignature' fault: one byte of the signature flipped. */
  readonly corruptSignature?: boolean;
}

function singleResponse(r: SingleResponseInput): Buffer {
  let status: Buffer;
  if (r.status === 'good') status = Buffer.from([0x80, 0x00]);
  else if (r.status === 'unknown') status = Buffer.from([0x82, 0x00]);
  else {
    if (!r.revokedAt) throw new Error('a revoked SingleResponse needs revokedAt');
    const reason = r.reason !== undefined ? [explicit(0, enumerated(CRL_REASON_CODES[r.reason]))] : [];
    status = tlv(0xa1, [generalizedTime(r.revokedAt), ...reason]);
  }
  const next = r.nextUpdate ? [explicit(0, generalizedTime(r.nextUpdate))] : [];
  return seq(r.certId, status, generalizedTime(r.thisUpdate), ...next);
}

const keyHashes = new WeakMap<Buffer, Buffer>();
/** ResponderID byKey: SHA-1 of the signer's subjectPublicKey bits (RFC 6960 §4.2.1). */
function responderKeyHash(certDer: Buffer): Buffer {
  let hash = keyHashes.get(certDer);
  if (!hash) {
    hash = createHash('sha1').update(parsedCertificate(certDer).publicKeyBits).digest();
    keyHashes.set(certDer, hash);
  }
  return hash;
}

/** A successful OCSPResponse carrying a signed BasicOCSPResponse. */
export function buildOcspResponse(opts: BuildOcspResponseOptions): Buffer {
  const { signer } = opts;
  const tbs = seq(
    explicit(2, octetString(responderKeyHash(signer.certDer))),
    generalizedTime(opts.producedAt),
    seq(...opts.responses.map(singleResponse)),
    ...(opts.nonceExtension ? [explicit(1, seq(opts.nonceExtension))] : []),
  );
  const algorithm = signatureAlgorithmFor(signer.key);
  const signature = signWith(signer.key, tbs);
  const basic = seq(tbs, algorithm, bitString(opts.corruptSignature ? corruptSignature(signature) : signature), ...(signer.includeCert ? [explicit(0, seq(signer.certDer))] : []));
  return seq(enumerated(0), explicit(0, seq(oid(OID.ocspBasic), octetString(basic))));
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing and verifying (client side)

export interface ParsedSingleResponse {
  readonly certId: CertId;
  readonly certStatus: CertStatus;
  readonly revokedAt?: Date;
  readonly reason?: CrlReason;
  readonly reasonCode?: number;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

export interface ParsedOcspResponse {
  /** The responseStatus name; `unknown(<n>)` for a code RFC 6960 does not define. */
  readonly status: OcspResponseStatus | `unknown(${number})`;
  readonly responses: readonly ParsedSingleResponse[];
  readonly producedAt?: Date;
  readonly nonce?: Buffer;
  readonly responderKeyHash?: Buffer;
  readonly responderNameDer?: Buffer;
  /** Every certificate in BasicOCSPResponse.certs. */
  readonly certs: readonly Buffer[];
  /** The included certificate that the responderID names (a delegated signer), if any. */
  readonly signerCertDer?: Buffer;
  readonly signatureAlgorithm?: string;
  /**
   * True when signed by `issuerCertDer` itself, or by an included certificate that this issuer signed, that carries
   * EKU id-kp-OCSPSigning and is within its validity at `at`; and every CertID names this issuer.
   */
  verifySignature(issuerCertDer: Buffer, at?: Date): boolean;
}

function tryParseCertificate(der: Buffer): CertificateInfo | undefined {
  try {
    return parsedCertificate(der);
  } catch {
    return undefined;
  }
}

function parseSingle(node: DerNode): ParsedSingleResponse {
  const [certIdNode, statusNode, thisUpdate, ...rest] = children(expectTag(node, Tag.SEQUENCE, 'SingleResponse'));
  if (!certIdNode || !statusNode || !thisUpdate) throw new DerError('SingleResponse needs certID, certStatus, thisUpdate', node.start);
  let certStatus: CertStatus;
  let revokedAt: Date | undefined;
  let reasonCode: number | undefined;
  if (statusNode.tag === 0x80) certStatus = 'good';
  else if (statusNode.tag === 0x82) certStatus = 'unknown';
  else if (statusNode.tag === 0xa1) {
    certStatus = 'revoked';
    const [time, reason] = children(statusNode);
    if (!time) throw new DerError('RevokedInfo needs revocationTime', statusNode.start);
    revokedAt = readTime(expectTag(time, Tag.GENERALIZED_TIME, 'revocationTime'));
    if (reason) {
      const inner = children(expectTag(reason, 0xa0, 'revocationReason [0]'))[0];
      if (!inner) throw new DerError('empty revocationReason', reason.start);
      reasonCode = Number(readInteger(expectTag(inner, Tag.ENUMERATED, 'CRLReason')));
    }
  } else throw new DerError(`unknown CertStatus tag 0x${statusNode.tag.toString(16)}`, statusNode.start);
  const nextNode = rest.find((n) => n.tag === 0xa0);
  const next = nextNode ? children(nextNode)[0] : undefined;
  if (nextNode && !next) throw new DerError('empty nextUpdate', nextNode.start);
  return {
    certId: decodeCertId(certIdNode),
    certStatus,
    revokedAt,
    reasonCode,
    reason: reasonCode === undefined ? undefined : (REASON_NAMES.get(reasonCode) ?? 'unspecified'),
    thisUpdate: readTime(expectTag(thisUpdate, Tag.GENERALIZED_TIME, 'thisUpdate')),
    nextUpdate: next ? readTime(expectTag(next, Tag.GENERALIZED_TIME, 'nextUpdate')) : undefined,
  };
}

const digest = (hash: string, data: Buffer) => createHash(hash).update(data).digest();

/** Parses a DER OCSPResponse. Throws DerError when it is not one. */
export function parseOcspResponse(der: Buffer): ParsedOcspResponse {
  const [statusNode, bytesNode, ...extra] = children(expectTag(parseDer(der), Tag.SEQUENCE, 'OCSPResponse'));
  if (!statusNode || extra.length > 0) throw new DerError('OCSPResponse is SEQUENCE { responseStatus, [0] responseBytes }', 0);
  const code = Number(readInteger(expectTag(statusNode, Tag.ENUMERATED, 'responseStatus')));
  const status = STATUS_NAMES.get(code) ?? (`unknown(${code})` as const);
  if (!bytesNode) {
    if (status === 'successful') throw new DerError('successful OCSPResponse without responseBytes', 0);
    return { status, responses: [], certs: [], verifySignature: () => false };
  }
  const [typeNode, responseNode] = children(expectTag(readNode(der, expectTag(bytesNode, 0xa0, 'responseBytes').contentStart, bytesNode.end), Tag.SEQUENCE, 'ResponseBytes'));
  if (!typeNode || !responseNode) throw new DerError('ResponseBytes needs responseType and response', bytesNode.start);
  if (readOid(typeNode) !== OID.ocspBasic) throw new DerError(`responseType ${readOid(typeNode)} is not id-pkix-ocsp-basic`, typeNode.start);
  const basicDer = contentOf(expectTag(responseNode, Tag.OCTET_STRING, 'response'));
  const [tbsNode, algNode, sigNode, certsNode] = children(expectTag(parseDer(basicDer), Tag.SEQUENCE, 'BasicOCSPResponse'));
  if (!tbsNode || !algNode || !sigNode) throw new DerError('BasicOCSPResponse needs tbsResponseData, signatureAlgorithm, signature', 0);
  const fields = children(expectTag(tbsNode, Tag.SEQUENCE, 'ResponseData'));
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const responderNode = fields[i++];
  const producedNode = fields[i++];
  const responsesNode = fields[i++];
  if (!responderNode || !producedNode || !responsesNode) throw new DerError('ResponseData needs responderID, producedAt, responses', tbsNode.start);
  const responder = children(responderNode)[0];
  if (!responder || (responderNode.tag !== 0xa1 && responderNode.tag !== 0xa2)) throw new DerError('ResponderID must be [1] byName or [2] byKey', responderNode.start);
  const responderKeyHash = responderNode.tag === 0xa2 ? Buffer.from(contentOf(expectTag(responder, Tag.OCTET_STRING, 'KeyHash'))) : undefined;
  const responderNameDer = responderNode.tag === 0xa1 ? Buffer.from(encodingOf(expectTag(responder, Tag.SEQUENCE, 'Name'))) : undefined;
  const responses = children(expectTag(responsesNode, Tag.SEQUENCE, 'responses')).map(parseSingle);
  const extNode = fields[i];
  const nonce = extNode?.tag === 0xa1 ? findNonce(readNode(basicDer, extNode.contentStart, extNode.end))?.nonce : undefined;
  const algParts = children(expectTag(algNode, Tag.SEQUENCE, 'signatureAlgorithm'));
  if (!algParts[0]) throw new DerError('empty signatureAlgorithm', algNode.start);
  const signatureAlgorithm = readOid(algParts[0]);
  const signature = readBitString(sigNode);
  const certs = certsNode ? children(expectTag(readNode(basicDer, expectTag(certsNode, 0xa0, 'certs [0]').contentStart, certsNode.end), Tag.SEQUENCE, 'certs')).map((n) => Buffer.from(encodingOf(n))) : [];
  const names = (info: CertificateInfo | undefined) =>
    info !== undefined && (responderKeyHash ? digest('sha1', info.publicKeyBits).equals(responderKeyHash) : info.subjectDer.equals(responderNameDer!));
  const signerCertDer = certs.find((c) => names(tryParseCertificate(c)));
  const tbsDer = encodingOf(tbsNode);

  return {
    status,
    responses,
    producedAt: readTime(expectTag(producedNode, Tag.GENERALIZED_TIME, 'producedAt')),
    nonce,
    responderKeyHash,
    responderNameDer,
    certs,
    signerCertDer,
    signatureAlgorithm,
    verifySignature(issuerCertDer: Buffer, at: Date = new Date()) {
      const issuer = tryParseCertificate(issuerCertDer);
      if (!issuer) return false;
      // Every answer must be about a certificate of this issuer (RFC 6960 §4.2.2.2: a delegate speaks for its CA only).
      for (const r of responses) {
        const hash = r.certId.hash;
        if (!hash || !digest(hash, issuer.subjectDer).equals(r.certId.issuerNameHash) || !digest(hash, issuer.publicKeyBits).equals(r.certId.issuerKeyHash)) return false;
      }
      let signerSpki: Buffer;
      if (names(issuer)) signerSpki = issuer.spki;
      else {
        const delegate = signerCertDer ? tryParseCertificate(signerCertDer) : undefined;
        if (!delegate) return false;
        const issuedByIssuer = delegate.issuerDer.equals(issuer.subjectDer) && verifyWith(delegate.signatureAlgorithm, delegate.tbs, delegate.signature, issuer.spki);
        const current = delegate.notBefore <= at && at <= delegate.notAfter;
        if (!issuedByIssuer || !current || !delegate.extKeyUsage?.includes(OID.ocspSigning)) return false;
        signerSpki = delegate.spki;
      }
      return verifyWith(signatureAlgorithm, tbsDer, signature, signerSpki);
    },
  };
}
