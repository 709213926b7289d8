// RFC 5280 §5 v2 CRLs, written by hand with ca/der.ts: a 10,000-entry CRL is a few concatenations and one signature,
// where the schema libraries take seconds (or refuse, see node-tls-notes.md).

import { randomBytes } from 'node:crypto';
import { bitString, enumerated, explicit, generalizedTime, implicitPrimitive, int, octetString, oid, seq, Tag, tlv, x509Time } from './der';
import { OID } from './oids';
import { keyIdentifierOf, parsedCertificate, signatureAlgorithmFor, signWith, corruptSignature } from './revocation-signature';
import { CRL_REASON_CODES, type IssuingAuthority, type RevocationEntry } from './types';

const OID_INVALIDITY_DATE = '2.5.29.24';

/** A revoked serial as a CRL lists it; `invalidityDate` (RFC 5280 §5.3.2) when the key was known bad earlier. */
export interface CrlEntry extends RevocationEntry {
  readonly invalidityDate?: Date;
}

export interface BuildCrlOptions {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: bigint;
  /** Listed after the authority's own revoked serials (synthetic entries for the large variant). */
  readonly extraEntries?: readonly CrlEntry[];
  /** Flip a byte of the signature: the revocation server's 'badSignature' fault. */
  readonly corruptSignature?: boolean;
}

const extension = (id: string, value: Buffer): Buffer => seq(oid(id), octetString(value));

/** The serial exactly as the certificate encodes it, so lookups by .NET-style hex match byte for byte. */
function serialInteger(serial: Buffer): Buffer {
  return serial.length > 0 ? tlv(Tag.INTEGER, serial) : int(0);
}

function entryDer(entry: CrlEntry): Buffer {
  const extensions: Buffer[] = [];
  // RFC 5280 §5.3.1: "the reason code extension SHOULD be absent instead of using the unspecified (0) value".
  if (entry.reason !== 'unspecified') extensions.push(extension(OID.crlReason, enumerated(CRL_REASON_CODES[entry.reason])));
  if (entry.invalidityDate) extensions.push(extension(OID_INVALIDITY_DATE, generalizedTime(entry.invalidityDate)));
  return extensions.length > 0
    ? seq(serialInteger(entry.serial), x509Time(entry.revokedAt), seq(...extensions))
    : seq(serialInteger(entry.serial), x509Time(entry.revokedAt));
}

/** Builds and signs a v2 CRL for `authority`: its revoked list plus `extraEntries`. Returns DER. */
export function buildCrl(authority: IssuingAuthority, opts: BuildCrlOptions): Buffer {
  if (opts.nextUpdate.getTime() <= opts.thisUpdate.getTime()) {
    throw new RangeError(`buildCrl(${authority.name}): nextUpdate (${opts.nextUpdate.toISOString()}) must be after thisUpdate (${opts.thisUpdate.toISOString()})`);
  }
  if (opts.crlNumber < 0n) throw new RangeError(`buildCrl(${authority.name}): crlNumber must be ≥ 0`);
  const ca = parsedCertificate(authority.certDer);
  const algorithm = signatureAlgorithmFor(authority.key);
  const entries = opts.extraEntries ? [...authority.revoked, ...opts.extraEntries] : authority.revoked;

  const fields: Buffer[] = [int(1), algorithm, ca.subjectDer, x509Time(opts.thisUpdate), x509Time(opts.nextUpdate)];
  // RFC 5280 §5.1.2.6: when there are no revoked certificates the list MUST be absent (not an empty SEQUENCE).
  if (entries.length > 0) fields.push(seq(...entries.map(entryDer)));
  fields.push(
    explicit(
      0,
      seq(
        extension(OID.authorityKeyIdentifier, seq(implicitPrimitive(0, keyIdentifierOf(ca)))),
        extension(OID.crlNumber, int(opts.crlNumber)),
      ),
    ),
  );
  const tbs = seq(...fields);
  const signature = signWith(authority.key, tbs);
  return seq(tbs, algorithm, bitString(opts.corruptSignature ? corruptSignature(signature) : signature));
}

/**
 * `count` synthetic revoked serials for the large CRL variant: 16 random bytes behind a 0x7E marker byte, so they are
 * positive, never collide with the CA's real (issued) serials in practice, and are checked against them anyway.
 */
export function syntheticEntries(authority: IssuingAuthority, count: number, revokedAt: Date): CrlEntry[] {
  const reasons = Object.keys(CRL_REASON_CODES) as (keyof typeof CRL_REASON_CODES)[];
  const out: CrlEntry[] = [];
  const pool = randomBytes(count * 16);
  for (let i = 0; i < count; i++) {
    const serial = Buffer.concat([Buffer.from([0x7e]), pool.subarray(i * 16, i * 16 + 16)]);
    if (authority.issuedSerials.has(serial.toString('hex').toUpperCase())) continue;
    out.push({ serial, revokedAt, reason: reasons[i % reasons.length]! });
  }
  return out;
}
