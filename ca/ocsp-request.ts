// RFC 6960 §4.1 OCSPRequest: decoding (the responder) and encoding (clients: the emulator's Verify(), tests).
// CertIDs are kept with their exact encoding so a response can echo them byte for byte — openssl matches the
// answer to its question by comparing CertIDs, including whether the hash AlgorithmIdentifier carries a NULL.

import { createHash, randomBytes } from 'node:crypto';
import { contentOf, DerError, encodingOf, expectTag, explicit, nullValue, octetString, oid, parseDer, readNode, readOid, seq, Tag, tlv, type DerNode, children } from './der';
import { parsedCertificate } from './revocation-signature';
import { OID } from './oids';

export type CertIdHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const HASH_BY_OID: ReadonlyMap<string, CertIdHash> = new Map([
  [OID.sha1, 'sha1'],
  [OID.sha256, 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
]);
const OID_BY_HASH: Readonly<Record<CertIdHash, string>> = { sha1: OID.sha1, sha256: OID.sha256, sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3' };

export interface CertId {
  /** Dotted OID of the hash algorithm. */
  readonly hashAlgorithm: string;
  /** The hash's name when certgate knows it (sha1 is openssl's default, sha256 with `-sha256`). */
  readonly hash?: CertIdHash;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  /** INTEGER content octets of the serial, as encoded. */
  readonly serial: Buffer;
  /** Upper-case hex of `serial` (.NET SerialNumber). */
  readonly serialHex: string;
  /** The CertID's DER, echoed verbatim in the SingleResponse. */
  readonly der: Buffer;
}

export interface OcspRequestInfo {
  readonly certIds: readonly CertId[];
  /** The nonce's value: the OCTET STRING inside extnValue (RFC 8954), or extnValue itself for older clients. */
  readonly nonce?: Buffer;
  /** The whole nonce Extension encoding, for the response to echo exactly. */
  readonly nonceExtension?: Buffer;
  readonly signed: boolean;
}

/** A request that is DER but not a usable OCSPRequest (the responder answers malformedRequest to both kinds). */
export class OcspRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OcspRequestError';
  }
}

export function decodeCertId(node: DerNode): CertId {
  const [alg, nameHash, keyHash, serial, ...rest] = children(expectTag(node, Tag.SEQUENCE, 'CertID'));
  if (!alg || !nameHash || !keyHash || !serial || rest.length > 0) throw new DerError('CertID needs exactly hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber', node.start);
  const algParts = children(expectTag(alg, Tag.SEQUENCE, 'CertID.hashAlgorithm'));
  if (!algParts[0]) throw new DerError('empty hashAlgorithm', alg.start);
  const hashAlgorithm = readOid(algParts[0]);
  const serialBytes = contentOf(expectTag(serial, Tag.INTEGER, 'CertID.serialNumber'));
  if (serialBytes.length === 0) throw new DerError('empty serialNumber', serial.start);
  return {
    hashAlgorithm,
    hash: HASH_BY_OID.get(hashAlgorithm),
    issuerNameHash: Buffer.from(contentOf(expectTag(nameHash, Tag.OCTET_STRING, 'issuerNameHash'))),
    issuerKeyHash: Buffer.from(contentOf(expectTag(keyHash, Tag.OCTET_STRING, 'issuerKeyHash'))),
    serial: Buffer.from(serialBytes),
    serialHex: serialBytes.toString('hex').toUpperCase(),
    der: Buffer.from(encodingOf(node)),
  };
}

/** Finds the nonce among Extensions; returns its value and the Extension's full encoding. */
export function findNonce(extensions: DerNode): { nonce: Buffer; extension: Buffer } | undefined {
  for (const ext of children(expectTag(extensions, Tag.SEQUENCE, 'Extensions'))) {
    const parts = children(expectTag(ext, Tag.SEQUENCE, 'Extension'));
    if (parts.length < 2) throw new DerError('Extension needs extnID and extnValue', ext.start);
    if (readOid(parts[0]!) !== OID.ocspNonce) continue;
    const value = contentOf(expectTag(parts[parts.length - 1]!, Tag.OCTET_STRING, 'extnValue'));
    let nonce: Buffer = value;
    try {
      const inner = parseDer(value);
      if (inner.tag === Tag.OCTET_STRING) nonce = contentOf(inner);
    } catch {
      // pre-RFC 8954 clients put the raw nonce bytes in extnValue
    }
    return { nonce: Buffer.from(nonce), extension: Buffer.from(encodingOf(ext)) };
  }
  return undefined;
}

/** Decodes a DER OCSPRequest. Throws DerError (not DER / wrong shape) or OcspRequestError (no CertID). */
export function decodeOcspRequest(der: Buffer): OcspRequestInfo {
  const [tbs, signature, ...rest] = children(expectTag(parseDer(der), Tag.SEQUENCE, 'OCSPRequest'));
  if (!tbs || rest.length > 0 || (signature && signature.tag !== 0xa0)) throw new DerError('OCSPRequest is SEQUENCE { tbsRequest, [0] optionalSignature }', 0);
  const fields = children(expectTag(tbs, Tag.SEQUENCE, 'TBSRequest'));
  let i = 0;
  if (fields[i]?.tag === 0xa0) i++; // version, only v1 exists
  if (fields[i]?.tag === 0xa1) i++; // requestorName
  const requestList = fields[i++];
  if (!requestList) throw new DerError('TBSRequest has no requestList', tbs.start);
  const certIds = children(expectTag(requestList, Tag.SEQUENCE, 'requestList')).map((request) => {
    const [certId, singleExtensions, ...more] = children(expectTag(request, Tag.SEQUENCE, 'Request'));
    if (!certId || more.length > 0 || (singleExtensions && singleExtensions.tag !== 0xa0)) throw new DerError('Request is SEQUENCE { CertID, [0] extensions }', request.start);
    return decodeCertId(certId);
  });
  let found: ReturnType<typeof findNonce>;
  const extensions = fields[i];
  if (extensions) {
    if (extensions.tag !== 0xa2) throw new DerError(`unexpected field (tag 0x${extensions.tag.toString(16)}) in TBSRequest`, extensions.start);
    found = findNonce(readNode(der, extensions.contentStart, extensions.end));
    i++;
  }
  if (i < fields.length) throw new DerError('trailing fields in TBSRequest', fields[i]!.start);
  if (certIds.length === 0) throw new OcspRequestError('OCSPRequest asks about no certificate (empty requestList)');
  return { certIds, nonce: found?.nonce, nonceExtension: found?.extension, signed: signature !== undefined };
}

/** The CertID for `certDer` issued by `issuerDer`: hashes of the issuer's Name and of its public key bits. */
export function certIdFor(certDer: Buffer, issuerDer: Buffer, hash: CertIdHash = 'sha1'): Buffer {
  const cert = parsedCertificate(certDer);
  const issuer = parsedCertificate(issuerDer);
  const digest = (data: Buffer) => createHash(hash).update(data).digest();
  // openssl writes the hash AlgorithmIdentifier with a NULL parameter; so do we, for byte-equal CertIDs.
  return seq(seq(oid(OID_BY_HASH[hash]), nullValue()), octetString(digest(issuer.subjectDer)), octetString(digest(issuer.publicKeyBits)), tlv(Tag.INTEGER, cert.serial));
}

export interface BuildOcspRequestOptions {
  /** true: 16 random bytes; a Buffer: that value; false/absent: no nonce (RFC 5019 style, cacheable). */
  readonly nonce?: Buffer | boolean;
  readonly hash?: CertIdHash;
}

/** An unsigned OCSPRequest for one certificate. */
export function buildOcspRequest(certDer: Buffer, issuerDer: Buffer, opts: BuildOcspRequestOptions = {}): Buffer {
  const nonce = opts.nonce === true ? randomBytes(16) : Buffer.isBuffer(opts.nonce) ? opts.nonce : undefined;
  const requestList = seq(seq(certIdFor(certDer, issuerDer, opts.hash)));
  const tbs = nonce ? seq(requestList, explicit(2, seq(seq(oid(OID.ocspNonce), octetString(octetString(nonce)))))) : seq(requestList);
  return seq(tbs);
}
