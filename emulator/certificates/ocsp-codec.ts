// The OCSP encoding the revocation checker speaks, narrowed to what it needs, over the PKI lab's RFC 6960 code
// (ca/ocsp-request.ts, ca/ocsp-response.ts). An interface so a test can hand the checker a codec that, say, reports a
// different serial, without a second OCSP implementation.

import { buildOcspRequest } from '../../ca/ocsp-request';
import { parseOcspResponse } from '../../ca/ocsp-response';

export interface OcspSingleStatus {
  /** Upper-case hex of the CertID serial; undefined when the codec cannot tell. */
  readonly serialHex?: string;
  readonly certStatus: 'good' | 'revoked' | 'unknown';
  readonly revokedAt?: Date;
  readonly reason?: string;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

export interface OcspParsed {
  /** "successful", "tryLater", ... */
  readonly status: string;
  readonly responses: readonly OcspSingleStatus[];
  verifySignature(issuerCertDer: Buffer, at?: Date): boolean;
}

export interface OcspCodec {
  buildRequest(certDer: Buffer, issuerDer: Buffer): Buffer;
  parseResponse(der: Buffer): OcspParsed;
}

export const defaultOcspCodec: OcspCodec = {
  // No nonce: RFC 5019 clients (Windows among them) send none, and it keeps answers cacheable by the responder.
  buildRequest: (certDer, issuerDer) => buildOcspRequest(certDer, issuerDer),
  parseResponse(der) {
    const parsed = parseOcspResponse(der);
    return {
      status: parsed.status,
      responses: parsed.responses.map((r) => ({
        serialHex: r.certId.serialHex,
        certStatus: r.certStatus,
        revokedAt: r.revokedAt,
        reason: r.reason,
        thisUpdate: r.thisUpdate,
        nextUpdate: r.nextUpdate,
      })),
      verifySignature: (issuerCertDer, at) => parsed.verifySignature(issuerCertDer, at),
    };
  },
};
