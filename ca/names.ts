// Deterministic names and serial numbers: the same seed and certificate name give the same subject and serial on
// every machine and every run, so two runs of certgate compare line by line.

import { createHash, createHmac } from 'node:crypto';
import { base, en, Faker } from '@faker-js/faker';
import { attributeOid, fromDotnetString, type DistinguishedName } from './dn';
import { OID } from './oids';
import type { CertificateRole } from './types';

/** 16 bytes of HMAC-SHA256(seed, name), top bit clear (positive INTEGER), first octet non-zero (minimal DER). */
export function deterministicSerial(seed: string, name: string): Buffer {
  const serial = createHmac('sha256', seed).update(`serial:${name}`).digest().subarray(0, 16);
  serial[0] = serial[0]! & 0x7f || 0x01;
  return Buffer.from(serial);
}

const faker = new Faker({ locale: [en, base] });

function seedFaker(seed: string, label: string): void {
  faker.seed(createHash('sha256').update(`${seed}\u0000${label}`).digest().readUInt32BE(0));
}

/** An organisation name for a PKI, keyed by its root so a root and everything under it share one O. */
export function organisationFor(seed: string, rootName: string): string {
  seedFaker(seed, `org:${rootName}`);
  return faker.company.name();
}

/** A realistic subject for a certificate that does not spell one out. */
export function generatedSubject(seed: string, name: string, role: CertificateRole, organisation: string): DistinguishedName {
  seedFaker(seed, `subject:${name}`);
  const country = [{ type: OID.countryName, value: 'US' }];
  const org = [{ type: OID.organizationName, value: organisation }];
  switch (role) {
    case 'root-ca':
      return [country, org, [{ type: OID.commonName, value: `${organisation} Root CA` }]];
    case 'intermediate-ca':
      return [country, org, [{ type: OID.commonName, value: `${organisation} Issuing CA ${faker.number.int({ min: 1, max: 9 })}` }]];
    case 'ocsp-signer':
      return [country, org, [{ type: OID.commonName, value: `${organisation} OCSP Responder` }]];
    case 'server':
      return [country, org, [{ type: OID.commonName, value: faker.internet.domainName() }]];
    case 'client':
      return [
        country,
        [{ type: OID.stateOrProvinceName, value: faker.location.state() }],
        org,
        [{ type: OID.organizationalUnitName, value: faker.commerce.department() }],
        [{ type: OID.commonName, value: faker.person.fullName() }],
      ];
  }
}

/** A spec subject: a .NET-form string (CN first) or RDN objects in DER order. */
export function specSubject(subject: string | readonly Record<string, string>[]): DistinguishedName {
  if (typeof subject === 'string') return fromDotnetString(subject);
  return subject.map((rdn) => Object.entries(rdn).map(([name, value]) => ({ type: attributeOid(name), value })));
}
