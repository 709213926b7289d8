import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParams } from '../test/fc';
import {
  children, DerError, generalizedTime, int, oid, parseDer, readInteger, readOid, readString, readTime, seq, setOf, utcTime, utf8, x509Time,
} from './der';

describe('DER writer and reader', () => {
  it('round-trips non-negative integers, including the sign-bit padding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 200n) - 1n }), (v) => {
        const encoded = int(v);
        expect(readInteger(parseDer(encoded))).toBe(v);
        // DER: no superfluous leading zero, and a leading zero exactly when the top bit would be set.
        const content = encoded.subarray(2 + (encoded[1]! & 0x80 ? encoded[1]! & 0x7f : 0));
        if (content.length > 1) expect(content[0] === 0 ? (content[1]! & 0x80) !== 0 : true).toBe(true);
      }),
      fcParams(500),
    );
  });

  it('round-trips object identifiers', () => {
    const arcs = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.nat({ max: 2 ** 40 }), { maxLength: 8 }));
    fc.assert(
      fc.property(arcs, ([a, b, rest]) => {
        const dotted = [a, b, ...rest].join('.');
        expect(readOid(parseDer(oid(dotted)))).toBe(dotted);
      }),
      fcParams(500),
    );
  });

  it('encodes OIDs as OpenSSL does', () => {
    // openssl asn1parse -genstr OID:… prints the DER; compare the bytes.
    const dir = mkdtempSync(join(tmpdir(), 'certgate-der-'));
    for (const dotted of ['1.2.840.113549.1.1.11', '2.5.29.37', '1.3.6.1.5.5.7.48.1.2', '2.999.3']) {
      const out = join(dir, 'oid.der');
      execFileSync('openssl', ['asn1parse', '-genstr', `OID:${dotted}`, '-out', out, '-noout']);
      expect(oid(dotted).toString('hex')).toBe(readFileSync(out).toString('hex'));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes times the way RFC 5280 wants and reads them back', () => {
    const d = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));
    expect(utcTime(d).subarray(2).toString()).toBe('491231235959Z');
    expect(x509Time(d)[0]).toBe(0x17);
    const later = new Date(Date.UTC(2050, 0, 1, 0, 0, 0));
    expect(x509Time(later)[0]).toBe(0x18);
    expect(readTime(parseDer(generalizedTime(later))).getTime()).toBe(later.getTime());
    expect(readTime(parseDer(utcTime(d))).getTime()).toBe(d.getTime());
  });

  it('sorts SET OF members by their encodings', () => {
    const a = utf8('b');
    const b = utf8('a');
    const set = parseDer(setOf(a, b));
    expect(children(set).map(readString)).toEqual(['a', 'b']);
  });

  it('parses a nested structure and rejects trailing bytes', () => {
    const der = seq(int(5), seq(utf8('Zoë')));
    const [n, inner] = children(parseDer(der));
    expect(readInteger(n!)).toBe(5n);
    expect(readString(children(inner!)[0]!)).toBe('Zoë');
    expect(() => parseDer(Buffer.concat([der, Buffer.from([0])]))).toThrow(DerError);
  });

  it('throws only DerError on arbitrary bytes, never anything else', () => {
    const walk = (buf: Buffer) => {
      const visit = (node: ReturnType<typeof parseDer>, depth: number): void => {
        if (depth > 50) return;
        if (node.tag & 0x20) for (const c of children(node)) visit(c, depth + 1);
      };
      visit(parseDer(buf), 0);
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          walk(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(DerError);
        }
      }),
      fcParams(5_000),
    );
  });
});
