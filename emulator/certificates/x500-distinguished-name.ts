// .NET's X500DistinguishedName as policy expressions see it (X509Certificate2.SubjectName / IssuerName).
//
// Name: RDNs in reverse DER order (CN first), the `X500DistinguishedNameFlags.Reversed` decode (dotnet/runtime
// X500DistinguishedName.cs: `Name => Decode(X500DistinguishedNameFlags.Reversed)`); ca/dn.ts formats it.
// Format(multiLine): dotnet/runtime's X509Pal.X500DistinguishedNameFormat decodes with flags None — NOT reversed —
// so RDNs come in DER order (C first), joined by ", ", or one per line each followed by a newline when multiLine.
// APIM runs on Windows (CryptFormatObject with X509_NAME; the managed Unix port mirrors it), so the newline is CRLF.

import { encodeDn, formatDotnet, formatDotnetRdn, type DistinguishedName } from '../../ca/dn';
import { HOST_OBJECT, NO_SUCH_MEMBER, type HostObject } from '../expressions/host';

const rdnText = formatDotnetRdn;

/** X500DistinguishedName.Format(multiLine): DER order; one RDN per CRLF-terminated line when multiLine. */
export function formatX500(dn: DistinguishedName, multiLine: boolean): string {
  const parts = dn.map(rdnText);
  return multiLine ? parts.map((p) => `${p}\r\n`).join('') : parts.join(', ');
}

export class X500DistinguishedName implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName = 'X500DistinguishedName';
  private lazyName?: string;

  /** `der` is the Name's encoding as it appears in the certificate (RawData); `dn` its decoded form. */
  constructor(
    readonly dn: DistinguishedName,
    private readonly der?: Buffer,
  ) {}

  get name(): string {
    return (this.lazyName ??= formatDotnet(this.dn));
  }

  get rawData(): Buffer {
    return this.der ?? encodeDn(this.dn);
  }

  getMember(name: string): unknown {
    switch (name) {
      case 'Name':
        return this.name;
      case 'RawData':
        return Uint8Array.from(this.rawData);
      default:
        return NO_SUCH_MEMBER;
    }
  }

  invoke(name: string, args: readonly unknown[]): unknown {
    switch (name) {
      case 'Format':
        if (args.length !== 1 || typeof args[0] !== 'boolean') throw new TypeError('X500DistinguishedName.Format expects one bool argument (multiLine)');
        return formatX500(this.dn, args[0]);
      case 'ToString':
        // AsnEncodedData does not override ToString: .NET prints the type's full name.
        if (args.length !== 0) return NO_SUCH_MEMBER;
        return 'System.Security.Cryptography.X509Certificates.X500DistinguishedName';
      default:
        return NO_SUCH_MEMBER;
    }
  }

  toString(): string {
    return this.name;
  }
}
