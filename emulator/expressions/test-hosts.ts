// Small HostObjects for the expression tests: properties and methods from plain maps, with call counts so tests
// can check short-circuiting. (The real X509Certificate2 and context models belong to other modules.)
import { HOST_OBJECT, NO_SUCH_MEMBER, type HostObject } from './host';
import { CsDictionary } from './runtime/dictionary';

export class FakeHost implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly reads = new Map<string, number>();
  readonly calls = new Map<string, unknown[][]>();
  constructor(
    readonly typeName: string,
    private readonly props: Readonly<Record<string, unknown>>,
    private readonly methods: Readonly<Record<string, (...args: unknown[]) => unknown>> = {},
  ) {}
  getMember(name: string): unknown {
    this.reads.set(name, (this.reads.get(name) ?? 0) + 1);
    return Object.hasOwn(this.props, name) ? this.props[name] : NO_SUCH_MEMBER;
  }
  invoke(name: string, args: readonly unknown[]): unknown {
    if (!Object.hasOwn(this.methods, name)) return NO_SUCH_MEMBER;
    this.calls.set(name, [...(this.calls.get(name) ?? []), [...args]]);
    return this.methods[name]!(...args);
  }
}

export interface FakeCert {
  thumbprint: string;
  issuer?: string;
  subject?: string;
  verifies?: boolean;
}

export const fakeCertificate = (c: FakeCert): FakeHost =>
  new FakeHost(
    'X509Certificate2',
    {
      Thumbprint: c.thumbprint,
      Issuer: c.issuer ?? 'CN=Test CA',
      Subject: c.subject ?? 'CN=client',
      SubjectName: new FakeHost('X500DistinguishedName', { Name: c.subject ?? 'CN=client' }),
    },
    { Verify: () => c.verifies ?? true, VerifyNoRevocation: () => c.verifies ?? true },
  );

export interface FakeContextOptions {
  certificate?: HostObject | null;
  uploaded?: Record<string, HostObject>;
  headers?: Record<string, string[]>;
  variables?: Record<string, unknown>;
  method?: string;
}

/** A context with Request (Method, Headers, Certificate), Deployment.Certificates and Variables. */
export function fakeContext(o: FakeContextOptions = {}): FakeHost & { request: FakeHost } {
  const request = new FakeHost('IRequest', {
    Method: o.method ?? 'GET',
    Certificate: o.certificate ?? null,
    Headers: new CsDictionary(Object.entries(o.headers ?? {}), {
      ignoreCase: true,
      typeName: 'IReadOnlyDictionary<String, String[]>',
      getValueOrDefault: (v) => (v as string[]).join(','),
    }),
  });
  const ctx = new FakeHost('IProxyContext', {
    Request: request,
    Deployment: new FakeHost('IDeployment', {
      Certificates: new CsDictionary(Object.entries(o.uploaded ?? {}), { typeName: 'IReadOnlyDictionary<String, X509Certificate2>' }),
    }),
    Variables: new CsDictionary(Object.entries(o.variables ?? {}), { typeName: 'IReadOnlyDictionary<String, Object>' }),
  });
  return Object.assign(ctx, { request });
}
