// Reads an X.509 certificate's DER into the fields certgate uses: the manifest, the OCSP responder (issuer name
// and key hashes), and the emulator's X509Certificate2 model. Node's X509Certificate does not keep RDN order or
// multi-valued RDNs and has no CRL/AIA accessors, so the structure is walked here with the DER reader.

import { createHash } from 'node:crypto';
import { children, contentOf, DerError, encodingOf, expectTag, parseDer, readBitString, readIntegerBytes, readNode, readOid, readTime, Tag, type DerNode } from './der';
import { decodeDn, type DistinguishedName } from './dn';
import { OID } from './oids';

export interface CertificateInfo {
  readonly der: Buffer;
  /** The TBSCertificate encoding (what the signature covers). */
  readonly tbs: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  readonly version: number;
  /** INTEGER content octets, as encoded (may have a leading 00). */
  readonly serial: Buffer;
  readonly issuer: DistinguishedName;
  readonly issuerDer: Buffer;
  readonly subject: DistinguishedName;
  readonly subjectDer: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo encoding. */
  readonly spki: Buffer;
  /** The subjectPublicKey BIT STRING's bits (what OCSP's issuerKeyHash hashes). */
  readonly publicKeyBits: Buffer;
  readonly publicKeyAlgorithm: string;
  readonly extensions: ReadonlyMap<string, { critical: boolean; value: Buffer }>;
  readonly basicConstraints?: { ca: boolean; pathLength?: number };
  readonly keyUsage?: number;
  readonly extKeyUsage?: readonly string[];
  readonly subjectAltNames: readonly { type: 'dns' | 'ip' | 'email' | 'uri'; value: string }[];
  readonly crlDistributionPoints: readonly string[];
  readonly ocspUrls: readonly string[];
  readonly caIssuersUrls: readonly string[];
  readonly subjectKeyIdentifier?: Buffer;
  readonly authorityKeyIdentifier?: Buffer;
}

/** .NET's X509Certificate2.Thumbprint: SHA-1 of the DER, 40 upper-case hex digits. */
export const thumbprintOf = (der: Buffer): string => createHash('sha1').update(der).digest('hex').toUpperCase();

/** .NET's X509Certificate2.SerialNumber: the INTEGER's octets as encoded, upper-case hex. */
export const serialHexOf = (serial: Buffer): string => serial.toString('hex').toUpperCase();

function ipToString(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return bytes.toString('hex');
}

function generalNames(node: DerNode): { type: 'dns' | 'ip' | 'email' | 'uri' | 'other'; value: string }[] {
  return children(node).map((gn) => {
    const c = contentOf(gn);
    switch (gn.tag) {
      case 0x81:
        return { type: 'email' as const, value: c.toString('latin1') };
      case 0x82:
        return { type: 'dns' as const, value: c.toString('latin1') };
      case 0x86:
        return { type: 'uri' as const, value: c.toString('latin1') };
      case 0x87:
        return { type: 'ip' as const, value: ipToString(c) };
      default:
        return { type: 'other' as const, value: c.toString('hex') };
    }
  });
}

function accessUrls(extValue: Buffer, method: string): string[] {
  const urls: string[] = [];
  for (const ad of children(parseDer(extValue))) {
    const [m, location] = children(ad);
    if (m && location && readOid(m) === method && location.tag === 0x86) urls.push(contentOf(location).toString('latin1'));
  }
  return urls;
}

function crlUrls(extValue: Buffer): string[] {
  const urls: string[] = [];
  for (const dp of children(parseDer(extValue))) {
    for (const field of children(dp)) {
      if (field.tag !== 0xa0) continue; // distributionPoint
      for (const name of children(field)) {
        if (name.tag !== 0xa0) continue; // fullName
        for (const gn of generalNames(name)) if (gn.type === 'uri') urls.push(gn.value);
      }
    }
  }
  return urls;
}

/** A small non-negative INTEGER (version, pathLenConstraint): readUIntBE only takes 1–6 bytes, so check first. */
function smallUInt(node: DerNode, what: string): number {
  const c = readIntegerBytes(node);
  if (c.length === 0) throw new DerError(`${what} is an empty INTEGER`, node.start);
  if (c[0]! & 0x80) throw new DerError(`${what} is negative`, node.start);
  if (c.length > 6) throw new DerError(`${what} is too large (${c.length} bytes)`, node.start);
  return c.readUIntBE(0, c.length);
}

/** The algorithm OID of an AlgorithmIdentifier SEQUENCE; an empty one is a DerError, not readOid(undefined). */
function algorithmOid(node: DerNode, what: string): string {
  const first = children(expectTag(node, Tag.SEQUENCE, what))[0];
  if (!first) throw new DerError(`${what} has no algorithm OID`, node.start);
  return readOid(first);
}

export function parseCertificate(der: Buffer): CertificateInfo {
  const cert = expectTag(parseDer(der), Tag.SEQUENCE, 'Certificate');
  const [tbsNode, sigAlgNode, sigNode] = children(cert);
  if (!tbsNode || !sigAlgNode || !sigNode) throw new DerError('Certificate needs tbsCertificate, signatureAlgorithm, signature', 0);
  const tbsFields = children(expectTag(tbsNode, Tag.SEQUENCE, 'TBSCertificate'));
  let i = 0;
  let version = 1;
  if (tbsFields[0]?.tag === 0xa0) {
    const v = children(tbsFields[0])[0];
    version = v ? smallUInt(v, 'version') + 1 : 1;
    i++;
  }
  const need = (what: string): DerNode => {
    const node = tbsFields[i++];
    if (!node) throw new DerError(`TBSCertificate is missing ${what}`, tbsNode.start);
    return node;
  };
  const serial = readIntegerBytes(need('serialNumber'));
  need('signature');
  const issuerNode = need('issuer');
  const validity = children(expectTag(need('validity'), Tag.SEQUENCE, 'Validity'));
  if (validity.length !== 2) throw new DerError('Validity needs notBefore and notAfter', tbsNode.start);
  const subjectNode = need('subject');
  const spkiNode = expectTag(need('subjectPublicKeyInfo'), Tag.SEQUENCE, 'SubjectPublicKeyInfo');
  const [spkiAlg, spkiKey] = children(spkiNode);
  if (!spkiAlg || !spkiKey) throw new DerError('SubjectPublicKeyInfo is incomplete', spkiNode.start);

  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  for (; i < tbsFields.length; i++) {
    const field = tbsFields[i]!;
    if (field.tag !== 0xa3) continue;
    const list = readNode(field.buf, field.contentStart, field.end);
    for (const ext of children(expectTag(list, Tag.SEQUENCE, 'Extensions'))) {
      const parts = children(expectTag(ext, Tag.SEQUENCE, 'Extension'));
      if (parts.length < 2) throw new DerError('Extension needs extnID and extnValue', ext.start);
      const id = readOid(parts[0]!);
      const critical = parts.length === 3 && parts[1]!.tag === Tag.BOOLEAN && contentOf(parts[1]!)[0] !== 0;
      const valueNode = expectTag(parts[parts.length - 1]!, Tag.OCTET_STRING, 'extnValue');
      if (extensions.has(id)) throw new DerError(`extension ${id} appears twice`, ext.start);
      extensions.set(id, { critical, value: Buffer.from(contentOf(valueNode)) });
    }
  }

  let basicConstraints: CertificateInfo['basicConstraints'];
  const bc = extensions.get(OID.basicConstraints);
  if (bc) {
    const parts = children(parseDer(bc.value));
    const ca = parts[0]?.tag === Tag.BOOLEAN ? contentOf(parts[0]!)[0] !== 0 : false;
    const lenNode = parts.find((p) => p.tag === Tag.INTEGER);
    basicConstraints = { ca, ...(lenNode ? { pathLength: smallUInt(lenNode, 'pathLenConstraint') } : {}) };
  }
  let keyUsage: number | undefined;
  const ku = extensions.get(OID.keyUsage);
  if (ku) {
    const bits = readBitString(parseDer(ku.value));
    keyUsage = (bits[0] ?? 0) | ((bits[1] ?? 0) << 8);
  }
  const eku = extensions.get(OID.extKeyUsage);
  const san = extensions.get(OID.subjectAltName);
  const aia = extensions.get(OID.authorityInfoAccess);
  const cdp = extensions.get(OID.cRLDistributionPoints);
  const ski = extensions.get(OID.subjectKeyIdentifier);
  const aki = extensions.get(OID.authorityKeyIdentifier);
  const akiKeyId = aki ? children(parseDer(aki.value)).find((n) => n.tag === 0x80) : undefined;

  return {
    der,
    tbs: encodingOf(tbsNode),
    signatureAlgorithm: algorithmOid(sigAlgNode, 'signatureAlgorithm'),
    signature: readBitString(sigNode),
    version,
    serial: Buffer.from(serial),
    issuer: decodeDn(issuerNode),
    issuerDer: Buffer.from(encodingOf(issuerNode)),
    subject: decodeDn(subjectNode),
    subjectDer: Buffer.from(encodingOf(subjectNode)),
    notBefore: readTime(validity[0]!),
    notAfter: readTime(validity[1]!),
    spki: Buffer.from(encodingOf(spkiNode)),
    publicKeyBits: Buffer.from(readBitString(spkiKey)),
    publicKeyAlgorithm: algorithmOid(spkiAlg, 'SubjectPublicKeyInfo algorithm'),
    extensions,
    basicConstraints,
    keyUsage,
    extKeyUsage: eku ? children(parseDer(eku.value)).map(readOid) : undefined,
    subjectAltNames: san ? generalNames(parseDer(san.value)).filter((g): g is CertificateInfo['subjectAltNames'][number] => g.type !== 'other') : [],
    crlDistributionPoints: cdp ? crlUrls(cdp.value) : [],
    ocspUrls: aia ? accessUrls(aia.value, OID.adOcsp) : [],
    caIssuersUrls: aia ? accessUrls(aia.value, OID.adCaIssuers) : [],
    subjectKeyIdentifier: ski ? Buffer.from(contentOf(parseDer(ski.value))) : undefined,
    authorityKeyIdentifier: akiKeyId ? Buffer.from(contentOf(akiKeyId)) : undefined,
  };
}
