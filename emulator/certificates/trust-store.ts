// The instance's CA certificates as APIM keeps them: uploaded to store "Root" (trust anchors) or
// "CertificateAuthority" (intermediates the chain engine may use), apim-behaviour.md §6. Consumption and v2 tiers
// (inbound) have none, so `TrustStore.empty()` is a real configuration, not a placeholder: nothing chains to a root.
//
// The real gateway is a Windows host whose machine Root store also holds the public CAs; a certificate from a public
// CA therefore verifies there with nothing uploaded. `publicRoots: true` stands in for that with Node's bundled
// Mozilla roots (tls.rootCertificates) — off by default so results depend only on the config.

import { rootCertificates } from 'node:tls';
import { pemToDer } from '../../ca/der';
import { parseCertificate, thumbprintOf, type CertificateInfo } from '../../ca/certificate-info';

export type CaStoreName = 'Root' | 'CertificateAuthority';

export interface CaCertificateEntry {
  readonly der: Buffer;
  readonly store: CaStoreName;
  /** Where the certificate came from (config path, id), for error messages. */
  readonly source?: string;
}

export interface StoredCertificate {
  readonly info: CertificateInfo;
  readonly thumbprint: string;
  readonly store: CaStoreName | 'PublicRoot';
}

const nameKey = (der: Buffer): string => der.toString('base64');

/** Self-issued: subject and issuer names are the same encoding (RFC 5280 §3.2 uses name equality). */
export const isSelfIssued = (info: CertificateInfo): boolean => info.subjectDer.equals(info.issuerDer);

export class TrustStore {
  private readonly bySubject = new Map<string, StoredCertificate[]>();
  private readonly rootThumbprints = new Set<string>();
  readonly size: number;

  private constructor(entries: readonly StoredCertificate[]) {
    for (const e of entries) {
      const key = nameKey(e.info.subjectDer);
      const list = this.bySubject.get(key) ?? [];
      if (!list.some((x) => x.thumbprint === e.thumbprint && x.store === e.store)) list.push(e);
      this.bySubject.set(key, list);
      if (e.store !== 'CertificateAuthority') this.rootThumbprints.add(e.thumbprint);
    }
    this.size = entries.length;
  }

  static empty(): TrustStore {
    return new TrustStore([]);
  }

  /** Builds the store from uploaded CA certificates. A certificate that does not parse fails naming its source. */
  static fromCaCertificates(entries: readonly CaCertificateEntry[], options: { publicRoots?: boolean } = {}): TrustStore {
    const stored: StoredCertificate[] = entries.map((e, i) => {
      let info: CertificateInfo;
      try {
        info = parseCertificate(e.der);
      } catch (err) {
        throw new Error(`CA certificate ${e.source ?? `#${i}`} (store ${e.store}) is not a DER X.509 certificate: ${(err as Error).message}`);
      }
      return { info, thumbprint: thumbprintOf(e.der), store: e.store };
    });
    if (options.publicRoots) stored.push(...publicRoots());
    return new TrustStore(stored);
  }

  /** Certificates whose subject is this exact name encoding, Root entries first. */
  issuersOf(issuerDer: Buffer): readonly StoredCertificate[] {
    return this.bySubject.get(nameKey(issuerDer)) ?? [];
  }

  /** A trust anchor: in Root (or the public roots) and self-issued. */
  isTrustAnchor(thumbprint: string): boolean {
    return this.rootThumbprints.has(thumbprint);
  }

  all(): StoredCertificate[] {
    return [...this.bySubject.values()].flat();
  }
}

let publicRootCache: StoredCertificate[] | undefined;
function publicRoots(): StoredCertificate[] {
  publicRootCache ??= rootCertificates.flatMap((pem) =>
    pemToDer(pem, 'CERTIFICATE').flatMap((der) => {
      try {
        return [{ info: parseCertificate(der), thumbprint: thumbprintOf(der), store: 'PublicRoot' as const }];
      } catch {
        return []; // a bundled root our parser cannot read simply is not offered
      }
    }),
  );
  return publicRootCache;
}
