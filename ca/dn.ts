// Distinguished names: the model, its DER encoding and decoding, and the two string forms certgate needs —
// the .NET form that APIM policies see (X509Certificate2.Subject / SubjectName.Name) and OpenSSL's RFC 2253 form.
//
// .NET rules (dotnet/runtime X500NameEncoder, as summarised in apim-behaviour.md §5): RDNs in reverse DER order
// (CN first), joined by ", "; the values of a multi-valued RDN joined by " + "; a value is double-quoted when it is
// empty, has leading or trailing white space, or contains any of , + = " \n < > # ; — a " inside is doubled.

import { OID } from './oids';
import { children, contentOf, DerError, type DerNode, expectTag, ia5, oid, printable, readOid, readString, seq, setOf, Tag, utf8 } from './der';

export interface DnAttribute {
  /** Dotted OID of the attribute type. */
  readonly type: string;
  readonly value: string;
}

/** A DN in DER order (most significant RDN — usually C or DC — first), each RDN a set of attributes. */
export type DistinguishedName = readonly (readonly DnAttribute[])[];

/** Short names in .NET's spelling. Anything else prints as OID.x.y.z. */
const DOTNET_NAMES: ReadonlyMap<string, string> = new Map([
  [OID.commonName, 'CN'],
  [OID.organizationalUnitName, 'OU'],
  [OID.organizationName, 'O'],
  [OID.localityName, 'L'],
  [OID.stateOrProvinceName, 'S'],
  [OID.countryName, 'C'],
  [OID.emailAddress, 'E'],
  [OID.streetAddress, 'STREET'],
  [OID.serialNumber, 'SERIALNUMBER'],
  [OID.surname, 'SN'],
  [OID.givenName, 'G'],
  [OID.title, 'T'],
  [OID.initials, 'I'],
  [OID.domainComponent, 'DC'],
  [OID.userId, 'UID'],
]);

/** Names accepted when reading DN strings (specs, policies): .NET's, plus the common aliases people write. */
const NAME_TO_OID: ReadonlyMap<string, string> = new Map([
  ...[...DOTNET_NAMES].map(([o, n]) => [n, o] as [string, string]),
  ['ST', OID.stateOrProvinceName],
  ['EMAILADDRESS', OID.emailAddress],
  ['EMAIL', OID.emailAddress],
  ['SURNAME', OID.surname],
  ['GIVENNAME', OID.givenName],
  ['GN', OID.givenName],
  ['TITLE', OID.title],
]);

/** OpenSSL / RFC 2253 short names, for configs of other gateways. */
const RFC2253_NAMES: ReadonlyMap<string, string> = new Map([
  [OID.commonName, 'CN'],
  [OID.organizationalUnitName, 'OU'],
  [OID.organizationName, 'O'],
  [OID.localityName, 'L'],
  [OID.stateOrProvinceName, 'ST'],
  [OID.countryName, 'C'],
  [OID.streetAddress, 'STREET'],
  [OID.domainComponent, 'DC'],
  [OID.userId, 'UID'],
  [OID.emailAddress, 'emailAddress'],
  [OID.serialNumber, 'serialNumber'],
]);

export function attributeOid(name: string): string {
  if (/^(OID\.)?\d+(\.\d+)+$/i.test(name)) return name.replace(/^OID\./i, '');
  const found = NAME_TO_OID.get(name.toUpperCase());
  if (!found) throw new Error(`unknown DN attribute name "${name}"`);
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// .NET string form

const DOTNET_NEEDS_QUOTES = /[,+="\n<>#;]/;

export function dotnetQuote(value: string): string {
  const needs = value === '' || /^\s|\s$/.test(value) || DOTNET_NEEDS_QUOTES.test(value);
  return needs ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One RDN as .NET prints it: its attributes joined by " + ". */
export const formatDotnetRdn = (rdn: readonly DnAttribute[]): string => rdn.map(dotnetAttribute).join(' + ');

function dotnetAttribute(a: DnAttribute): string {
  const name = DOTNET_NAMES.get(a.type) ?? `OID.${a.type}`;
  return `${name}=${dotnetQuote(a.value)}`;
}

/** What X509Certificate2.Subject, .Issuer and SubjectName.Name print. */
export function formatDotnet(dn: DistinguishedName): string {
  return [...dn]
    .reverse()
    .map(formatDotnetRdn)
    .join(', ');
}

/**
 * Parses a DN written in the .NET form (or the docs' C-first form: order is kept as written, so the caller decides
 * how to compare). Returns RDNs in the order they appear in the string. Accepts "ST" for state. As in .NET, a value
 * holding , + ; or edge white space is double-quoted ("" for a quote); a backslash is an ordinary character.
 */
export function parseDnString(text: string): DnAttribute[][] {
  const rdns: DnAttribute[][] = [];
  let current: DnAttribute[] = [];
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  while (true) {
    skipSpace();
    if (i >= n) {
      if (current.length > 0 || rdns.length > 0) throw new Error(`DN "${text}" ends after a separator`);
      return rdns;
    }
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`DN "${text}": expected NAME=value at position ${i}`);
    const name = text.slice(i, eq).trim();
    const type = attributeOid(name);
    i = eq + 1;
    skipSpace();
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new Error(`DN "${text}": unterminated quoted value`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      skipSpace();
    } else {
      // A backslash is literal: .NET never escapes with it (only quoting), so CN=CONTOSO\jdoe means what it says.
      const start = i;
      while (i < n && text[i] !== ',' && text[i] !== '+' && text[i] !== ';') i++;
      value = text.slice(start, i).trim();
    }
    current.push({ type, value });
    if (i >= n) {
      rdns.push(current);
      return rdns;
    }
    const sep = text[i++];
    if (sep === '+') continue;
    if (sep === ',' || sep === ';') {
      rdns.push(current);
      current = [];
      continue;
    }
    throw new Error(`DN "${text}": unexpected "${sep}" at position ${i - 1}`);
  }
}

/** Parses a .NET-form DN string (CN first) into DER order. */
export const fromDotnetString = (text: string): DistinguishedName => parseDnString(text).reverse();

// ---------------------------------------------------------------------------------------------------------------
// RFC 2253 form (OpenSSL -nameopt RFC2253, nginx $ssl_client_s_dn): most specific first, escaped with backslashes.

function rfc2253Escape(value: string): string {
  let out = value.replace(/([,+"\\<>;=])/g, '\\$1');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** Escapes each UTF-8 byte above 0x7F as \XX, as OpenSSL's -nameopt RFC2253 (ESC_MSB) and nginx print them. */
const escapeMsb = (value: string): string =>
  value.replace(/[^\x00-\x7f]/gu, (ch) =>
    [...Buffer.from(ch, 'utf8')].map((b) => `\\${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );

/**
 * RFC 2253 string. `escapeNonAscii: true` gives exactly what `openssl x509 -nameopt RFC2253` and nginx's
 * $ssl_client_s_dn print (non-ASCII as escaped UTF-8 bytes); the default keeps the characters readable.
 */
export function formatRfc2253(dn: DistinguishedName, options: { escapeNonAscii?: boolean } = {}): string {
  const escape = (v: string) => (options.escapeNonAscii ? escapeMsb(rfc2253Escape(v)) : rfc2253Escape(v));
  // OpenSSL stores a name as a flat list and prints it backwards, so a multi-valued RDN's members come out
  // reversed too: reverse both levels to match it byte for byte.
  return [...dn]
    .reverse()
    .map((rdn) => [...rdn].reverse().map((a) => `${RFC2253_NAMES.get(a.type) ?? a.type}=${escape(a.value)}`).join('+'))
    .join(',');
}

// ---------------------------------------------------------------------------------------------------------------
// DER

/** The string type a value is written with: PrintableString for C, IA5String for e-mail and DC, else UTF8String. */
function encodeValue(a: DnAttribute): Buffer {
  if (a.type === OID.countryName) return printable(a.value);
  if (a.type === OID.emailAddress || a.type === OID.domainComponent) return ia5(a.value);
  return utf8(a.value);
}

export function encodeDn(dn: DistinguishedName): Buffer {
  return seq(...dn.map((rdn) => setOf(...rdn.map((a) => seq(oid(a.type), encodeValue(a))))));
}

/** Decodes a Name (SEQUENCE OF RDN). Non-string values decode as '#' + hex, as RFC 4514 does. */
export function decodeDn(node: DerNode): DistinguishedName {
  expectTag(node, Tag.SEQUENCE, 'Name');
  return children(node).map((rdnNode) => {
    expectTag(rdnNode, Tag.SET, 'RelativeDistinguishedName');
    const attrs = children(rdnNode).map((atv) => {
      const [typeNode, valueNode] = children(expectTag(atv, Tag.SEQUENCE, 'AttributeTypeAndValue'));
      if (!typeNode || !valueNode) throw new DerError('AttributeTypeAndValue needs a type and a value', atv.start);
      let value: string;
      try {
        value = readString(valueNode);
      } catch {
        value = `#${contentOf(valueNode).toString('hex')}`;
      }
      return { type: readOid(typeNode), value };
    });
    if (attrs.length === 0) throw new DerError('empty RelativeDistinguishedName', rdnNode.start);
    return attrs;
  });
}

/** Structural equality: same RDNs in the same order, attribute sets equal regardless of order, values exact. */
export function dnEquals(a: DistinguishedName, b: DistinguishedName, options: { ignoreCase?: boolean } = {}): boolean {
  if (a.length !== b.length) return false;
  const norm = (v: string) => (options.ignoreCase ? v.toLowerCase() : v);
  const key = (rdn: readonly DnAttribute[]) =>
    rdn
      .map((x) => `${x.type}=${norm(x.value)}`)
      .sort()
      .join('\u0000');
  return a.every((rdn, i) => key(rdn) === key(b[i]!));
}
