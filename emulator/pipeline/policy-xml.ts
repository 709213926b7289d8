// Policy XML → a small element tree that knows where every element, attribute value and text starts in the user's
// file. fast-xml-parser does the parsing (XMLValidator for well-formedness with line numbers); xml-source.ts makes
// APIM's expression-laden documents palatable to it and supplies the positions.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { SourceLocation } from '../expressions/index';
import { PolicyLoadError } from './errors';
import { prepareXml, type PreparedXml } from './xml-source';

export interface XmlAttribute {
  readonly name: string;
  readonly value: string;
  /** Where the value's first character is. */
  readonly loc: SourceLocation;
}

export interface XmlElement {
  readonly name: string;
  readonly loc: SourceLocation;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /** Concatenated text and CDATA content (not trimmed). */
  readonly text: string;
  /** Where the element's own text starts (its first non-blank character; the content start when it has none). */
  readonly textLoc: SourceLocation;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Parses one policy document; throws PolicyLoadError with file:line:col on malformed XML. */
export function parsePolicyXml(xml: string, file: string): XmlElement {
  const prepared = prepareXml(xml);
  const at = (offset: number): SourceLocation => ({ file, ...prepared.lineColumn(offset) });

  const valid = XMLValidator.validate(prepared.escaped, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    // The validator gives no column for some errors (e.g. "Start tag expected." on an empty document): column 1.
    const offset = prepared.toOriginal(offsetOf(prepared.escaped, Number.isInteger(line) ? line : 1, Number.isInteger(col) ? col : 1));
    const loc = at(offset);
    throw new PolicyLoadError(file, loc.line, loc.column, `malformed XML: ${msg}`);
  }
  let tree: OrderedNode[];
  try {
    tree = parser.parse(prepared.escaped) as OrderedNode[];
  } catch (err) {
    // The validator accepts a few texts the parser then rejects ("<!'x>", some unterminated CDATA). Its messages
    // sometimes carry "at position N" (an offset into the escaped text); otherwise the document's start is the
    // best place we know.
    const detail = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(detail);
    const loc = at(m ? prepared.toOriginal(Math.min(prepared.escaped.length, Number(m[1]))) : 0);
    throw new PolicyLoadError(file, loc.line, loc.column, `malformed XML: ${detail}`);
  }
  let tagIndex = 0;

  const build = (node: OrderedNode): XmlElement => {
    const name = Object.keys(node).find((k) => k !== ':@')!;
    const pos = prepared.tags[tagIndex++];
    if (!pos || pos.name !== name) {
      // The scanner and the parser disagree on the document's shape: report at the best place we know.
      throw new PolicyLoadError(file, 1, 1, `could not locate element <${name}> in the source (unsupported XML construct near it)`);
    }
    const attrs = node[':@'] ?? {};
    const attributes: XmlAttribute[] = Object.entries(attrs).map(([attrName, value]) => ({
      name: attrName,
      value: String(value),
      loc: at(pos.attributes.get(attrName) ?? pos.start),
    }));
    const children: XmlElement[] = [];
    let text = '';
    for (const child of (node[name] as OrderedNode[]) ?? []) {
      if ('#text' in child) text += String(child['#text']);
      else if ('#cdata' in child) text += ((child['#cdata'] as OrderedNode[]) ?? []).map((t) => String(t['#text'] ?? '')).join('');
      else children.push(build(child));
    }
    return { name, loc: at(pos.start), attributes, children, text, textLoc: at(pos.firstText ?? firstNonBlank(prepared, pos.contentStart)) };
  };

  const roots = tree.filter((n) => !('#text' in n) && !('#cdata' in n));
  if (roots.length !== 1) throw new PolicyLoadError(file, 1, 1, `expected one root element <policies>, found ${roots.length}`);
  return build(roots[0]!);
}

function firstNonBlank(prepared: PreparedXml, from: number): number {
  let i = from;
  while (i < prepared.original.length && /\s/.test(prepared.original[i]!)) i++;
  return i;
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, column - 1));
}
