// The types policy expressions may construct with `new T(args)` — the expression runtime's allow-list. APIM allows
// System.Security.Cryptography.X509Certificates.X509Certificate2 in expressions, constructors included; the
// usual use is decoding the PEM an Application Gateway forwards in a header (apim-behaviour.md §7).
import { X509Certificate2 } from '../certificates/x509-certificate2';
import { CsException, type HostConstructor } from '../expressions/index';

const X509_CERTIFICATE2: HostConstructor = {
  typeName: 'X509Certificate2',
  namespace: 'System.Security.Cryptography.X509Certificates',
  minArgs: 1,
  maxArgs: 1,
  // new X509Certificate2(byte[] rawData): DER, or PEM text as bytes (.NET accepts both). The certificate gets no
  // trust store (Verify() then fails), like one built outside the gateway's CA certificate list.
  construct([rawData]) {
    if (rawData === null || rawData === undefined) throw new CsException('ArgumentNullException', "Value cannot be null. (Parameter 'rawData')");
    if (!(rawData instanceof Uint8Array)) {
      throw new CsException('RuntimeBinderException', "The best overloaded method match for 'X509Certificate2(byte[])' has some invalid arguments");
    }
    try {
      return X509Certificate2.fromPem(Buffer.from(rawData));
    } catch {
      // INF: the message .NET gives for bytes that are neither a DER nor a PEM certificate.
      throw new CsException('CryptographicException', 'Cannot find the requested object.');
    }
  },
};

export const POLICY_CONSTRUCTORS: readonly HostConstructor[] = [X509_CERTIFICATE2];
