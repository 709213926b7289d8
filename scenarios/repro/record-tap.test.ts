import { describe, expect, it } from 'vitest';
import { RecordHeaderReader, renegotiationEvidence, TLS_APPLICATION_DATA, TLS_HANDSHAKE, type TlsRecordEvent } from './record-tap';

const record = (type: number, length: number) => Buffer.concat([Buffer.from([type, 3, 3, length >> 8, length & 0xff]), Buffer.alloc(length, 0xab)]);

describe('RecordHeaderReader', () => {
  it('finds every record header however the stream is cut', () => {
    const stream = Buffer.concat([record(22, 40), record(20, 1), record(23, 300), record(22, 32)]);
    for (const cut of [1, 2, 3, 5, 7, 64, stream.length]) {
      const seen: [number, number][] = [];
      const reader = new RecordHeaderReader((t, l) => seen.push([t, l]));
      for (let i = 0; i < stream.length; i += cut) reader.push(stream.subarray(i, i + cut));
      expect(seen).toEqual([[22, 40], [20, 1], [23, 300], [22, 32]]);
    }
  });
});

describe('renegotiationEvidence', () => {
  const ev = (time: number, from: 'client' | 'server', type: number): TlsRecordEvent => ({ time, from, type, length: 10 });
  it('ignores the first handshake and reads a server handshake record after the request as HelloRequest', () => {
    const records = [ev(100, 'client', TLS_HANDSHAKE), ev(101, 'server', TLS_HANDSHAKE), ev(102, 'client', TLS_HANDSHAKE), ev(103, 'server', TLS_HANDSHAKE), ev(104, 'client', TLS_APPLICATION_DATA), ev(110, 'server', TLS_HANDSHAKE), ev(112, 'client', TLS_HANDSHAKE)];
    expect(renegotiationEvidence(records, 100)).toEqual({ helloRequestAt: 10, clientHelloAgainAt: 12 });
    expect(renegotiationEvidence(records.slice(0, 5), 100)).toEqual({});
  });
});
