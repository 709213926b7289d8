// Evaluations per second of the docs' policy conditions, each compiled once, on one core.
// Run: node --import tsx bench/expression-bench.ts   (target: thumbprint condition ≥ 1,000,000/s)
import { compileExpression, CsDictionary, HOST_OBJECT, NO_SUCH_MEMBER, type HostObject } from '../emulator/expressions/index';

// Hosts shaped like the pipeline's: one class per C# type with a switch in getMember (so member reads are
// polymorphic across classes, as in the gateway), and a certificate whose Verify() result is precomputed.
class Certificate implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName = 'X509Certificate2';
  constructor(readonly thumbprint: string, readonly issuer = 'CN=trusted-issuer', readonly subject = 'CN=client') {}
  getMember(n: string): unknown {
    switch (n) {
      case 'Thumbprint': return this.thumbprint;
      case 'Issuer': return this.issuer;
      case 'SubjectName': return new DistinguishedName(this.subject);
      default: return NO_SUCH_MEMBER;
    }
  }
  invoke(n: string): unknown {
    return n === 'Verify' ? true : NO_SUCH_MEMBER;
  }
}
class DistinguishedName implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName = 'X500DistinguishedName';
  constructor(readonly name: string) {}
  getMember(n: string): unknown {
    return n === 'Name' ? this.name : NO_SUCH_MEMBER;
  }
  invoke(): unknown {
    return NO_SUCH_MEMBER;
  }
}
class Holder implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  constructor(readonly typeName: string, private readonly members: ReadonlyMap<string, unknown>) {}
  getMember(n: string): unknown {
    const v = this.members.get(n);
    return v === undefined ? NO_SUCH_MEMBER : v;
  }
  invoke(): unknown {
    return NO_SUCH_MEMBER;
  }
}

const THUMB = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
const cert = new Certificate(THUMB);
const context = new Holder('IProxyContext', new Map<string, unknown>([
  ['Request', new Holder('IRequest', new Map([['Certificate', cert]]))],
  ['Deployment', new Holder('IDeployment', new Map([['Certificates', new CsDictionary([['a', new Certificate('0'.repeat(40))], ['b', cert]])]]))],
]));

const cases: [string, string][] = [
  ['thumbprint', `@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || context.Request.Certificate.Thumbprint != "${THUMB}")`],
  ['issuer/subject', '@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || context.Request.Certificate.Issuer != "trusted-issuer" || context.Request.Certificate.SubjectName.Name != "expected-subject-name")'],
  ['uploaded (LINQ Any)', '@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || !context.Deployment.Certificates.Any(c => c.Value.Thumbprint == context.Request.Certificate.Thumbprint))'],
];

const where = { file: 'bench', line: 1, column: 1 };
const rows: { name: string; perSecond: number }[] = [];
for (const [name, text] of cases) {
  const expr = compileExpression(text, where);
  const scope = { context };
  let sink = 0;
  for (let i = 0; i < 200_000; i++) if (expr.evaluate(scope) === true) sink++; // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + 1_000_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10_000; i++) if (expr.evaluate(scope) === true) sink++;
    n += 10_000;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  rows.push({ name, perSecond: n / seconds });
  if (sink < 0) console.log(sink);
}

const target = 1_000_000;
console.log('expression evaluations per second (one core, compiled once; figures are noisy on a shared machine)');
console.log('condition'.padEnd(22), 'evals/s'.padStart(14), 'vs target'.padStart(10));
for (const r of rows) console.log(r.name.padEnd(22), Math.round(r.perSecond).toLocaleString('en-US').padStart(14), `${(r.perSecond / target).toFixed(2)}×`.padStart(10));
