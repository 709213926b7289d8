// Ready-made policy documents: the three checks from the MTLS-PAGE (apim-behaviour.md §5) with the docs' own
// structure and expressions — only the quoted placeholder values are filled in — plus a validate-client-certificate
// example and a pass-through policy. Used by the default config and by the tests as "the documented policies".

export type LibraryPolicyName = 'issuer-subject' | 'thumbprint' | 'uploaded-thumbprint' | 'validate-client-certificate' | 'pass-through';

export interface LibraryParams {
  /** issuer-subject: the expected X509Certificate2.Issuer string (.NET format, CN first). */
  readonly trustedIssuer?: string;
  /** issuer-subject: the expected SubjectName.Name. */
  readonly expectedSubjectName?: string;
  /** thumbprint: the expected Thumbprint — upper case, as the docs require (`==` is case-sensitive). */
  readonly thumbprint?: string;
  /** The docs' notes: VerifyNoRevocation() instead of Verify() to skip the revocation check. */
  readonly noRevocation?: boolean;
  /** validate-client-certificate: attributes of one <identity> (e.g. { thumbprint: '…' }); none → no identities. */
  readonly identity?: Readonly<Record<string, string>>;
  /** validate-client-certificate: validate-revocation (default true, as the policy's own default). */
  readonly validateRevocation?: boolean;
}

// The docs' snippets (MTLS-PAGE, "Checking the issuer and subject", "Checking the thumbprint", "Checking a thumbprint
// against certificates uploaded to API Management"), placeholders as the docs spell them.
export const DOCUMENTED_SNIPPETS = {
  'issuer-subject': `<choose>
    <when condition="@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || context.Request.Certificate.Issuer != "trusted-issuer" || context.Request.Certificate.SubjectName.Name != "expected-subject-name")" >
        <return-response>
            <set-status code="403" reason="Invalid client certificate" />
        </return-response>
    </when>
</choose>`,
  thumbprint: `<choose>
    <when condition="@(context.Request.Certificate == null || !context.Request.Certificate.Verify() || context.Request.Certificate.Thumbprint != "DESIRED-THUMBPRINT-IN-UPPER-CASE")" >
        <return-response>
            <set-status code="403" reason="Invalid client certificate" />
        </return-response>
    </when>
</choose>`,
  'uploaded-thumbprint': `<choose>
    <when condition="@(context.Request.Certificate == null || !context.Request.Certificate.Verify()  || !context.Deployment.Certificates.Any(c => c.Value.Thumbprint == context.Request.Certificate.Thumbprint))" >
        <return-response>
            <set-status code="403" reason="Invalid client certificate" />
        </return-response>
    </when>
</choose>`,
} as const;

/** A value placed inside a C# string literal: backslash and quote escaped as C# requires. */
const csString = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
/** A value placed inside a double-quoted XML attribute. */
const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

const wrapInbound = (inbound: string) => `<policies>
    <inbound>
        <base />
${inbound ? `${inbound.replace(/^/gm, '        ')}\n` : ''}    </inbound>
    <backend>
        <base />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
    </on-error>
</policies>
`;

function need(params: LibraryParams, key: keyof LibraryParams, policy: string): string {
  const v = params[key];
  if (typeof v !== 'string' || v === '') throw new Error(`policy "${policy}" needs the parameter "${key}"`);
  return v;
}

function documented(name: keyof typeof DOCUMENTED_SNIPPETS, params: LibraryParams, replacements: readonly [string, string][]): string {
  let text: string = DOCUMENTED_SNIPPETS[name];
  for (const [placeholder, value] of replacements) text = text.replace(`"${placeholder}"`, `"${csString(value)}"`);
  if (params.noRevocation) text = text.replace('.Verify()', '.VerifyNoRevocation()');
  return wrapInbound(text);
}

/** The policy document (XML text) for a library entry. Throws naming a missing parameter. */
export function policyLibrary(name: LibraryPolicyName, params: LibraryParams = {}): string {
  switch (name) {
    case 'issuer-subject':
      return documented(name, params, [
        ['trusted-issuer', need(params, 'trustedIssuer', name)],
        ['expected-subject-name', need(params, 'expectedSubjectName', name)],
      ]);
    case 'thumbprint':
      return documented(name, params, [['DESIRED-THUMBPRINT-IN-UPPER-CASE', need(params, 'thumbprint', name)]]);
    case 'uploaded-thumbprint':
      return documented(name, params, []);
    case 'validate-client-certificate': {
      const revocation = params.validateRevocation ?? true;
      const identity = params.identity
        ? `
    <identities>
        <identity ${Object.entries(params.identity).map(([k, v]) => `${k}="${xmlAttr(v)}"`).join(' ')} />
    </identities>
`
        : '\n';
      return wrapInbound(
        `<validate-client-certificate validate-revocation="${revocation}" validate-trust="true" validate-not-before="true" validate-not-after="true" ignore-error="false">${identity}</validate-client-certificate>`,
      );
    }
    case 'pass-through':
      return wrapInbound('');
  }
}
