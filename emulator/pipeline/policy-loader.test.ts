import { describe, expect, it } from 'vitest';
import { PolicyLoadError } from './errors';
import { loadPolicyDocument } from './policy-loader';
import { positionOf } from './test-support/positions';

const FILE = 'policies/op.xml';
const load = (xml: string, certificateIds: string[] = []) => loadPolicyDocument({ xml, file: FILE }, { scope: 'operation', certificateIds: new Set(certificateIds) });

/** The load error, or a failure when the document loads. */
function loadError(xml: string, certificateIds: string[] = []): PolicyLoadError {
  try {
    load(xml, certificateIds);
  } catch (e) {
    if (e instanceof PolicyLoadError) return e;
    throw e;
  }
  throw new Error('expected the document to fail at load');
}

const inbound = (body: string) => `<policies>\n  <inbound>\n    ${body}\n  </inbound>\n</policies>\n`;

describe('load errors name file:line:col and the element', () => {
  it('malformed XML: the mismatched closing tag', () => {
    const xml = '<policies>\n  <inbound>\n    <base />\n  </outbound>\n</policies>';
    const e = loadError(xml);
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(positionOf(xml, '</outbound>').line);
    expect(e.message).toMatch(/^policies\/op\.xml:4:\d+: malformed XML/);
    expect(e.message).toContain('inbound');
  });

  it('malformed XML after an expression with raw quotes still points at the right line', () => {
    const xml = '<policies>\n  <inbound>\n    <set-variable name="a" value="@("x")" />\n    <set-header name="b">\n  </inbound>\n</policies>';
    expect(loadError(xml).line).toBe(positionOf(xml, '</inbound>').line);
  });

  it('an unknown element, at its own line and column', () => {
    const xml = inbound('<base />\n    <foo />');
    const e = loadError(xml);
    expect({ line: e.line, column: e.column }).toEqual(positionOf(xml, '<foo'));
    expect(e.message).toContain('<foo>');
  });

  it('an unknown element nested in choose', () => {
    const xml = inbound('<choose>\n      <when condition="@(true)">\n        <bar/>\n      </when>\n    </choose>');
    const e = loadError(xml);
    expect({ line: e.line, column: e.column }).toEqual(positionOf(xml, '<bar'));
  });

  it('an unknown section and an unknown attribute', () => {
    const xml = '<policies>\n  <inbund/>\n</policies>';
    expect(loadError(xml).message).toContain('unknown element <inbund> inside <policies>');
    const attr = inbound('<set-status code="200" colour="red" />');
    const e = loadError(attr);
    expect(e.message).toContain('unknown attribute "colour"');
    expect({ line: e.line, column: e.column }).toEqual(positionOf(attr, 'red'));
  });

  it('validate-client-certificate refuses an expression in any of its attributes', () => {
    for (const attr of ['validate-revocation', 'validate-trust', 'validate-not-before', 'validate-not-after', 'ignore-error']) {
      const xml = inbound(`<validate-client-certificate ${attr}="@(true)" />`);
      const e = loadError(xml);
      expect(e.message).toContain(`"${attr}" does not accept policy expressions`);
      expect({ line: e.line, column: e.column }).toEqual(positionOf(xml, '@(true)'));
    }
    const identity = loadError(inbound('<validate-client-certificate><identities><identity thumbprint="@(context.Variables[&quot;t&quot;])" /></identities></validate-client-certificate>'));
    expect(identity.message).toContain('"thumbprint" does not accept policy expressions');
  });

  it('validate-client-certificate: at most 10 identities; the 11th is reported', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `\n        <identity common-name="c${i}" />`).join('');
    const ten = inbound(`<validate-client-certificate>\n      <identities>${ids(10)}\n      </identities>\n    </validate-client-certificate>`);
    expect(() => load(ten)).not.toThrow();
    const eleven = inbound(`<validate-client-certificate>\n      <identities>${ids(11)}\n      </identities>\n    </validate-client-certificate>`);
    const e = loadError(eleven);
    expect(e.message).toContain('at most 10 <identity>');
    expect(e.line).toBe(positionOf(eleven, 'c10').line);
  });

  it('validate-client-certificate: issuer-certificate-id cannot be combined with issuer-thumbprint or issuer-subject', () => {
    const a = loadError(inbound('<validate-client-certificate><identities><identity issuer-certificate-id="ca" issuer-thumbprint="AB" /></identities></validate-client-certificate>'), ['ca']);
    expect(a.message).toContain('cannot be combined');
    const b = loadError(inbound('<validate-client-certificate><identities><identity issuer-certificate-id="ca" issuer-subject="CN=x" /></identities></validate-client-certificate>'), ['ca']);
    expect(b.message).toContain('cannot be combined');
    expect(() => load(inbound('<validate-client-certificate><identities><identity issuer-certificate-id="ca" thumbprint="AB" /></identities></validate-client-certificate>'), ['ca'])).not.toThrow();
  });

  it('validate-client-certificate: an unknown certificate id, a bad DN, a bad boolean, an unknown identity attribute', () => {
    expect(loadError(inbound('<validate-client-certificate><identities><identity issuer-certificate-id="nope" /></identities></validate-client-certificate>'), ['ca']).message).toContain('"nope"');
    expect(loadError(inbound('<validate-client-certificate><identities><identity subject="CN=a, XX=b" /></identities></validate-client-certificate>')).message).toContain('invalid distinguished name');
    expect(loadError(inbound('<validate-client-certificate validate-trust="yes" />')).message).toContain('must be true or false');
    expect(loadError(inbound('<validate-client-certificate><identities><identity thumbprnt="AB" /></identities></validate-client-certificate>')).message).toContain('unknown attribute "thumbprnt"');
  });

  it('policies outside their sections', () => {
    const xml = '<policies>\n  <outbound>\n    <validate-client-certificate />\n  </outbound>\n</policies>';
    const e = loadError(xml);
    expect(e.message).toContain('not allowed in <outbound>');
    expect({ line: e.line, column: e.column }).toEqual(positionOf(xml, '<validate-client-certificate'));
    expect(loadError('<policies><inbound><forward-request/></inbound></policies>').message).toContain('not allowed in <inbound>');
    expect(loadError('<policies><on-error><set-body>x</set-body></on-error></policies>').message).toContain('not allowed in <on-error>');
  });

  it('an expression that does not parse fails at load, pointing into the policy file', () => {
    const xml = inbound('<set-header name="x" exists-action="override">\n      <value>@(context.Request.Method ==)</value>\n    </set-header>');
    const e = loadError(xml);
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(positionOf(xml, '@(context.Request.Method ==)').line);
    expect(e.column).toBeGreaterThanOrEqual(positionOf(xml, '@(context.Request.Method ==)').column);
  });

  it('structure: root must be <policies>, one <base/> per section, base not nested, sections once', () => {
    expect(loadError('<policy/>').message).toContain('root element must be <policies>');
    expect(loadError(inbound('<base/><base/>')).message).toContain('only once');
    expect(loadError(inbound('<choose><when condition="@(true)"><base/></when></choose>')).message).toContain('direct child');
    expect(loadError('<policies><inbound/><inbound/></policies>').message).toContain('appears twice');
  });
});

describe('what loads', () => {
  it("keeps each section's policies in order with their paths", () => {
    const doc = load(
      inbound('<base />\n    <set-variable name="v" value="1" />\n    <choose>\n      <when condition="@(true)"><set-status code="201" /></when>\n      <otherwise><set-status code="202" /></otherwise>\n    </choose>'),
    );
    const list = doc.sections.inbound!;
    expect(list.map((n) => n.kind)).toEqual(['base', 'set-variable', 'choose']);
    const choose = list[2]!;
    if (choose.kind !== 'choose') throw new Error('expected choose');
    expect(choose.whens[0]!.body[0]!.meta.path).toBe('choose[1]\\when[1]\\set-status[1]');
    expect(choose.otherwise![0]!.meta.path).toBe('choose[1]\\otherwise[1]\\set-status[1]');
    expect(doc.sections.outbound).toBeUndefined();
  });

  it('validate-client-certificate defaults: every check on, ignore-error off', () => {
    const node = load(inbound('<validate-client-certificate />')).sections.inbound![0]!;
    expect(node).toMatchObject({ validateRevocation: true, validateTrust: true, validateNotBefore: true, validateNotAfter: true, ignoreError: false, identities: [] });
  });
});

describe('ordinary XML around the policies', () => {
  it('accepts a declaration, comments, CDATA bodies and CRLF line ends, and still locates errors', () => {
    const ok = '<?xml version="1.0" encoding="utf-8"?>\r\n<!-- global -->\r\n<policies>\r\n  <inbound>\r\n    <!-- <foo/> is only a comment -->\r\n    <set-body><![CDATA[<raw & text>]]></set-body>\r\n  </inbound>\r\n</policies>\r\n';
    const body = load(ok).sections.inbound![0]!;
    expect(body.kind === 'set-body' && body.value).toEqual({ kind: 'literal', text: '<raw & text>' });
    const bad = ok.replace('<set-body>', '<foo/><set-body>');
    const e = loadError(bad);
    expect({ line: e.line, column: e.column }).toEqual(positionOf(bad.replace(/\r/g, ''), '<foo/>', 2));
  });

  it('refuses stray text between policies', () => {
    const xml = inbound('<base />\n    oops');
    const e = loadError(xml);
    expect(e.message).toContain('text is not allowed');
    expect({ line: e.line, column: e.column }).toEqual(positionOf(xml, 'oops'));
  });
});
