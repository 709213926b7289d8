// DER encodings of the X.509 v3 extensions certgate writes (RFC 5280 §4.2), each returned as a complete Extension
// (SEQUENCE { extnID, critical?, extnValue OCTET STRING }).

import { isIP } from 'node:net';
import { bitString, bool, implicitConstructed, implicitPrimitive, int, octetString, oid, seq, tlv } from './der';
import { OID } from './oids';

export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value));
}

export function basicConstraints(ca: boolean, pathLength?: number): Buffer {
  const parts: Buffer[] = [];
  if (ca) parts.push(bool(true)); // DEFAULT FALSE is omitted in DER
  if (ca && pathLength !== undefined) parts.push(int(pathLength));
  return extension(OID.basicConstraints, true, seq(...parts));
}

/** KeyUsage bit positions (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsageName = keyof typeof KEY_USAGE_BITS;

/** A named bit string: DER drops trailing zero bits and counts the unused bits of the last byte. */
export function keyUsage(usages: readonly KeyUsageName[]): Buffer {
  let bits = 0;
  for (const u of usages) bits |= 1 << KEY_USAGE_BITS[u];
  const bytes: number[] = [];
  let highest = -1;
  for (let b = 0; b < 9; b++) if (bits & (1 << b)) highest = b;
  if (highest < 0) throw new Error('keyUsage needs at least one usage');
  const byteCount = Math.floor(highest / 8) + 1;
  for (let i = 0; i < byteCount; i++) {
    let byte = 0;
    for (let j = 0; j < 8; j++) if (bits & (1 << (i * 8 + j))) byte |= 0x80 >> j;
    bytes.push(byte);
  }
  const unused = byteCount * 8 - 1 - highest;
  return extension(OID.keyUsage, true, bitString(Buffer.from(bytes), unused));
}

export const EKU_OIDS = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: OID.ocspSigning,
} as const;
export type EkuName = keyof typeof EKU_OIDS;

export const extendedKeyUsage = (usages: readonly EkuName[]): Buffer =>
  extension(OID.extKeyUsage, false, seq(...usages.map((u) => oid(EKU_OIDS[u]))));

export interface SubjectAltNames {
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  readonly email?: readonly string[];
  readonly uri?: readonly string[];
}

export function ipBytes(ip: string): Buffer {
  const family = isIP(ip);
  if (family === 4) return Buffer.from(ip.split('.').map(Number));
  if (family !== 6) throw new Error(`"${ip}" is not an IP address`);
  // Expand "::" and an embedded IPv4 tail into eight 16-bit groups.
  let text = ip;
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** GeneralNames in the order dNSName, iPAddress, rfc822Name, URI. */
export function generalNames(names: SubjectAltNames): Buffer[] {
  return [
    ...(names.dns ?? []).map((d) => implicitPrimitive(2, Buffer.from(d, 'latin1'))),
    ...(names.ip ?? []).map((a) => implicitPrimitive(7, ipBytes(a))),
    ...(names.email ?? []).map((e) => implicitPrimitive(1, Buffer.from(e, 'latin1'))),
    ...(names.uri ?? []).map((u) => implicitPrimitive(6, Buffer.from(u, 'latin1'))),
  ];
}

/** RFC 5280: critical when the subject is empty, else not. */
export const subjectAltName = (names: SubjectAltNames, subjectEmpty = false): Buffer =>
  extension(OID.subjectAltName, subjectEmpty, seq(...generalNames(names)));

export const subjectKeyIdentifier = (keyId: Buffer): Buffer => extension(OID.subjectKeyIdentifier, false, octetString(keyId));

export const authorityKeyIdentifier = (keyId: Buffer): Buffer =>
  extension(OID.authorityKeyIdentifier, false, seq(implicitPrimitive(0, keyId)));

/** One DistributionPoint per URL, each with a fullName URI. */
export function crlDistributionPoints(urls: readonly string[]): Buffer {
  const points = urls.map((u) => seq(implicitConstructed(0, implicitConstructed(0, implicitPrimitive(6, Buffer.from(u, 'latin1'))))));
  return extension(OID.cRLDistributionPoints, false, seq(...points));
}

export function authorityInfoAccess(access: { ocsp?: readonly string[]; caIssuers?: readonly string[] }): Buffer {
  const descs = [
    ...(access.ocsp ?? []).map((u) => seq(oid(OID.adOcsp), implicitPrimitive(6, Buffer.from(u, 'latin1')))),
    ...(access.caIssuers ?? []).map((u) => seq(oid(OID.adCaIssuers), implicitPrimitive(6, Buffer.from(u, 'latin1')))),
  ];
  return extension(OID.authorityInfoAccess, false, seq(...descs));
}

/** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): a delegated OCSP signer's own status is not checked. NULL value. */
export const ocspNoCheck = (): Buffer => extension(OID.ocspNoCheck, false, tlv(0x05, Buffer.alloc(0)));

/** The [3] EXPLICIT Extensions wrapper of a TBSCertificate. */
export const extensionsField = (exts: readonly Buffer[]): Buffer => tlv(0xa3, seq(...exts));
