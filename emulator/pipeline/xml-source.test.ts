import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { prepareXml, scanExpression } from './xml-source';
import { positionOf } from './test-support/positions';

const parse = (xml: string) =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false }).parse(xml);

describe('scanExpression', () => {
  it('ends at the bracket that closes the opener, skipping C# strings, chars and comments', () => {
    const cases: [string, string][] = [
      ['@(a == "x)y")', '@(a == "x)y")'],
      ['@(f(1, (2)))rest', '@(f(1, (2)))'],
      ['@{ return "}"; }tail', '@{ return "}"; }'],
      ["@(c == ')')x", "@(c == ')')"],
      ['@(@"a""b)" + "\\"(")!', '@(@"a""b)" + "\\"(")'],
      ['@{ // } not the end\n return 1; }z', '@{ // } not the end\n return 1; }'],
      ['@{ /* } */ return 1; }z', '@{ /* } */ return 1; }'],
    ];
    for (const [text, expected] of cases) expect(text.slice(0, scanExpression(text, 0))).toBe(expected);
  });

  it('reports an expression that never closes or closes with the wrong bracket', () => {
    expect(scanExpression('@(a == (b)', 0)).toBe(-1);
    expect(scanExpression('@(a]', 0)).toBe(-1);
  });
});

describe('prepareXml', () => {
  it("makes the docs' raw quotes and && inside expressions parseable, with the expression text intact", () => {
    const condition = '@(context.Request.Certificate == null || context.Request.Certificate.Thumbprint != "A&B" && 1 < 2)';
    const xml = `<choose>\n  <when condition="${condition}"><x/></when>\n  <set-body>@{ return a < b && "<x>" != null; }</set-body>\n</choose>`;
    const prepared = prepareXml(xml);
    const tree = parse(prepared.escaped);
    expect(tree.choose.when.condition).toBe(condition);
    expect(tree.choose['set-body']).toBe('@{ return a < b && "<x>" != null; }');
  });

  it('leaves entities the author already wrote alone', () => {
    const xml = '<a c="@(x == &quot;1&quot; &amp;&amp; y)"/>';
    expect(parse(prepareXml(xml).escaped).a.c).toBe('@(x == "1" && y)');
  });

  it('maps offsets in the escaped text back to the original', () => {
    const xml = '<a c="@(x == "1")" d="z"/>';
    const prepared = prepareXml(xml);
    const escapedAt = prepared.escaped.indexOf('d="z"');
    expect(prepared.toOriginal(escapedAt)).toBe(xml.indexOf('d="z"'));
  });

  it('records start tags, attribute value offsets and content starts in document order', () => {
    const xml = '<!-- <fake/> -->\n<policies>\n  <inbound a="1"\n     b="@(x)">\n    text</inbound><![CDATA[<no/>]]>\n</policies>';
    const { tags, lineColumn } = prepareXml(xml);
    expect(tags.map((t) => t.name)).toEqual(['policies', 'inbound']);
    expect(lineColumn(tags[1]!.start)).toEqual(positionOf(xml, '<inbound'));
    expect(lineColumn(tags[1]!.attributes.get('b')!)).toEqual(positionOf(xml, '@(x)'));
  });
});
