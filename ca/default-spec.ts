// The built-in PKI: every certificate shape a client-certificate test needs. Used by `certgate ca init` and by every
// later part of certgate. Names come from faker (seeded) unless the shape is about the name itself.
//
//   root-ca (RSA, trusted) ── intermediate-ca (EC) ─┬─ client leaves, server, intermediate-ocsp-signer
//                                                   └─ sub-intermediate-ca (EC) ── client-long-chain
//   untrusted-root-ca (EC, not a trust anchor) ── client-untrusted-issuer
//   client-self-signed (no issuer)

import type { PkiSpecInput } from './spec';

const CA_VALIDITY = { notBefore: '-400d', notAfter: '+3650d' };

export function defaultSpec(): PkiSpecInput {
  return {
    seed: 'certgate',
    pfxPassword: 'certgate',
    responder: { host: '127.0.0.1', port: 8780 },
    downResponder: { host: '127.0.0.1', port: 4 },
    certificates: [
      { name: 'root-ca', role: 'root-ca', keyType: 'rsa2048', trusted: true, validity: CA_VALIDITY, shapes: ['root', 'trusted'] },
      { name: 'intermediate-ca', role: 'intermediate-ca', issuer: 'root-ca', keyType: 'ec-p256', validity: CA_VALIDITY, shapes: ['intermediate'] },
      {
        name: 'intermediate-ocsp-signer',
        role: 'ocsp-signer',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        revocationPointers: 'none',
        shapes: ['delegated-ocsp-signer'],
      },
      { name: 'sub-intermediate-ca', role: 'intermediate-ca', issuer: 'intermediate-ca', keyType: 'ec-p256', validity: CA_VALIDITY, shapes: ['intermediate', 'second-intermediate'] },
      {
        name: 'server',
        role: 'server',
        issuer: 'intermediate-ca',
        keyType: 'rsa2048',
        subject: 'CN=localhost',
        subjectAltNames: { dns: ['localhost'], ip: ['127.0.0.1', '::1'] },
        shapes: ['server', 'gateway'],
      },
      { name: 'client-valid-rsa', role: 'client', issuer: 'intermediate-ca', keyType: 'rsa2048', shapes: ['valid', 'rsa'] },
      { name: 'client-valid-ec', role: 'client', issuer: 'intermediate-ca', keyType: 'ec-p256', shapes: ['valid', 'ec'] },
      {
        name: 'client-expired',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        validity: { notBefore: '-366d', notAfter: '-1d' },
        shapes: ['expired'],
      },
      {
        name: 'client-not-yet-valid',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        validity: { notBefore: '+30d', notAfter: '+395d' },
        shapes: ['not-yet-valid'],
      },
      {
        name: 'client-revoked',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        validity: { notBefore: '-30d', notAfter: '+335d' },
        revoked: { at: '-2d', reason: 'keyCompromise' },
        shapes: ['revoked'],
      },
      { name: 'client-self-signed', role: 'client', keyType: 'ec-p256', shapes: ['self-signed'] },
      { name: 'untrusted-root-ca', role: 'root-ca', keyType: 'ec-p256', trusted: false, validity: CA_VALIDITY, shapes: ['root', 'untrusted'] },
      { name: 'client-untrusted-issuer', role: 'client', issuer: 'untrusted-root-ca', keyType: 'ec-p256', shapes: ['untrusted-root'] },
      {
        name: 'client-server-auth-only',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        extendedKeyUsage: ['serverAuth'],
        shapes: ['wrong-eku', 'server-auth-only'],
      },
      {
        name: 'client-ca-as-leaf',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        basicConstraints: { ca: true, pathLength: 0 },
        keyUsage: ['keyCertSign', 'cRLSign'],
        extendedKeyUsage: [],
        shapes: ['ca-as-leaf'],
      },
      {
        name: 'client-awkward-dn',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        // DER order (C first). Exercises .NET quoting: a comma, a leading space, a '#', a multi-valued RDN ('+'),
        // non-ASCII, and ST (which .NET prints as S=).
        subject: [
          { C: 'US' },
          { ST: 'Washington' },
          { L: 'Redmond' },
          { O: 'Contoso, Inc.' },
          { OU: ' Platform' },
          { OU: 'R&D #7' },
          { CN: 'Zoë Åström', UID: 'zastrom' },
        ],
        shapes: ['awkward-dn'],
      },
      {
        name: 'client-san-dns',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        subjectAltNames: { dns: ['client1.contoso.example', 'devices.contoso.example'] },
        shapes: ['san-dns'],
      },
      { name: 'client-long-chain', role: 'client', issuer: 'sub-intermediate-ca', keyType: 'ec-p256', shapes: ['long-chain'] },
      {
        name: 'client-no-pointers',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        revocationPointers: 'none',
        shapes: ['no-revocation-pointers'],
        note: 'valid when the validator already has the CA CRL (openssl -CRLfile); an online-only validator (.NET Verify) cannot find revocation status',
      },
      {
        name: 'client-down-responder',
        role: 'client',
        issuer: 'intermediate-ca',
        keyType: 'ec-p256',
        revocationPointers: 'down',
        shapes: ['revocation-responder-down'],
        note: 'its CDP and OCSP URLs point at downResponder, where nothing listens',
      },
    ],
  };
}
