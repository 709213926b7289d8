// The files every driver hands its gateway, written from an in-memory Pki into the gateway's temporary directory:
// server certificate + chain, its key (0600), the trusted CA bundle, and a CRL bundle (one CRL per CA of the PKI, so
// servers that check the whole chain — OpenSSL's CRL_CHECK_ALL — find one for every issuer).

import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssuedCertificate, Pki } from '../../ca/index';
import { buildCrl } from '../../ca/crl-builder';
import { derToPem } from '../../ca/der';
import type { GatewaySetup } from './driver';

export interface GatewayMaterials {
  /** Server certificate then its intermediates (no root), PEM. */
  readonly serverChain: string;
  /** PKCS#8 key, mode 0600. */
  readonly serverKey: string;
  /** Chain then key in one file (HAProxy's `crt`), mode 0600. */
  readonly serverCombined: string;
  readonly caBundle: string;
  /** Present when setup.crl. */
  readonly crlBundle?: string;
  /** PKI names of the CAs in caBundle, in file order. */
  readonly trustedCaNames: readonly string[];
}

const CRL_VALIDITY_MS = 7 * 86_400_000;

/** The default trust list: the trusted roots and every intermediate CA whose chain ends at one of them. */
export function defaultTrustedCas(pki: Pki): string[] {
  const roots = new Set(pki.trustedRoots.map((r) => r.certDer.toString('base64')));
  const intermediates = [...pki.certificates.values()].filter(
    (c) => c.role === 'intermediate-ca' && roots.has(c.chain[c.chain.length - 1]!.toString('base64')),
  );
  return [...pki.trustedRoots.map((r) => r.name), ...intermediates.map((c) => c.name)];
}

function caCertificate(pki: Pki, name: string): IssuedCertificate {
  const c = pki.get(name);
  if (!c.isCa) throw new Error(`gateway setup: trustedCas names "${name}", which is not a CA certificate`);
  return c;
}

export async function writeGatewayMaterials(dir: string, pki: Pki, setup: GatewaySetup): Promise<GatewayMaterials> {
  const server = pki.get(setup.serverCertificate);
  // The chain minus a self-signed top: clients have the root, and sending it is noise.
  const sent = server.chain.length > 1 ? server.chain.slice(0, -1) : server.chain;
  const chainPem = sent.map((d) => derToPem(d, 'CERTIFICATE')).join('');
  const trustedCaNames = setup.trustedCas ? [...setup.trustedCas] : defaultTrustedCas(pki);
  const files = {
    serverChain: join(dir, 'server-chain.pem'),
    serverKey: join(dir, 'server.key.pem'),
    serverCombined: join(dir, 'server-combined.pem'),
    caBundle: join(dir, 'trusted-cas.pem'),
  };
  await writeFile(files.serverChain, chainPem);
  await writeFile(files.serverKey, server.keyPem, { mode: 0o600 });
  await writeFile(files.serverCombined, chainPem + server.keyPem, { mode: 0o600 });
  await chmod(files.serverKey, 0o600);
  await chmod(files.serverCombined, 0o600);
  await writeFile(files.caBundle, trustedCaNames.map((n) => caCertificate(pki, n).certPem).join(''));
  let crlBundle: string | undefined;
  if (setup.crl) {
    const nextUpdate = new Date(Math.max(pki.now.getTime(), Date.now()) + CRL_VALIDITY_MS);
    const pem = pki.authorities
      .map((a) => derToPem(buildCrl(a, { thisUpdate: pki.now, nextUpdate, crlNumber: 1n }), 'X509 CRL'))
      .join('');
    crlBundle = join(dir, 'crls.pem');
    await writeFile(crlBundle, pem);
  }
  return { ...files, ...(crlBundle ? { crlBundle } : {}), trustedCaNames };
}
