// Reads a PKI that writePki wrote (manifest, certificates, keys) back into the same Pki shape issuePki returns, for
// `certgate ca serve` and the emulator. Certificate fields are re-read from the DER files, so a hand-edited
// manifest cannot make them disagree; the manifest supplies what the DER does not hold (role, verdict, revocation).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCertificate, thumbprintOf } from './certificate-info';
import { pemToDer } from './der';
import { keyFromPem, privateKeyPem } from './keys';
import { MANIFEST_FILE, parseManifest } from './manifest';
import { assemblePki, type IssuedCertificate, type Pki } from './pki';
import { fieldsFromDer } from './pki';


export async function loadPki(dir: string): Promise<Pki> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (err) {
    throw new Error(`${manifestPath}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run \`certgate ca init --out ${dir}\` first`);
  }
  const manifest = parseManifest(text, manifestPath);

  const loaded = await Promise.all(
    manifest.certificates.map(async (m) => {
      const certPath = join(dir, m.files.cert);
      const keyPath = join(dir, m.files.key);
      const der = pemToDer(await readFile(certPath, 'utf8'), 'CERTIFICATE')[0];
      if (!der) throw new Error(`${certPath}: no CERTIFICATE block`);
      let key;
      try {
        key = keyFromPem(await readFile(keyPath), keyPath);
      } catch (err) {
        throw new Error(`${keyPath}: ${(err as Error).message}`);
      }
      const info = parseCertificate(der);
      if (thumbprintOf(der) !== m.thumbprint) throw new Error(`${certPath}: thumbprint ${thumbprintOf(der)} differs from the manifest's ${m.thumbprint}`);
      if (!info.spki.equals(key.spki)) throw new Error(`${keyPath}: the key does not belong to the certificate in ${certPath}`);
      return { m, der, info, key };
    }),
  );

  const byName = new Map(loaded.map((l) => [l.m.name, l]));
  const chainOf = (name: string, seen = new Set<string>()): Buffer[] => {
    const l = byName.get(name)!;
    if (seen.has(name)) throw new Error(`${manifestPath}: issuer loop at ${name}`);
    seen.add(name);
    const parent = l.m.issuedBy;
    if (parent === null) return [l.der];
    if (!byName.has(parent)) throw new Error(`${manifestPath}: ${name} is issued by "${parent}", which is not in the manifest`);
    return [l.der, ...chainOf(parent, seen)];
  };

  const certificates = new Map<string, IssuedCertificate>();
  for (const { m, der, info, key } of loaded) {
    certificates.set(m.name, {
      name: m.name,
      role: m.role,
      shapes: m.shapes,
      keyType: key.keyType,
      issuerName: m.issuedBy,
      isCa: info.basicConstraints?.ca ?? false,
      trusted: m.trusted,
      ...fieldsFromDer(der, info),
      key: key.privateKey,
      keyPem: privateKeyPem(key.privateKey),
      chain: chainOf(m.name),
      expected: m.expected,
      ...(m.revocation ? { revocation: { serial: info.serial, revokedAt: new Date(m.revocation.revokedAt), reason: m.revocation.reason } } : {}),
      pfxPassword: m.pfxPassword,
      ...(m.note ? { note: m.note } : {}),
    });
  }
  const ocspSigners = new Map(manifest.authorities.flatMap((a) => (a.ocspSigner ? [[a.name, a.ocspSigner] as const] : [])));
  return assemblePki({
    specHash: manifest.specHash,
    seed: manifest.seed,
    now: new Date(manifest.now),
    responder: manifest.responder,
    downResponder: manifest.downResponder,
    pfxPassword: manifest.pfxPassword,
    certificates,
    ocspSigners,
  });
}
