// Reading one policy element strictly: every attribute and child is either understood or a load error that names
// the file, line, column, the element and what was expected. Expressions are compiled here, once.

import { compileExpression, ExpressionSyntaxError, isExpression, type CompiledExpression, type SourceLocation } from '../expressions/index';
import { PolicyLoadError } from './errors';
import { POLICY_CONSTRUCTORS } from './expression-constructors';
import type { NodeMeta, PolicyNode, Scope, Section, Value } from './policy-ast';
import type { XmlAttribute, XmlElement } from './policy-xml';

export interface LoadContext {
  readonly file: string;
  readonly scope: Scope;
  readonly section: Section;
  /** Ids of the uploaded certificates (context.Deployment.Certificates), to check issuer-certificate-id at load. */
  readonly certificateIds: ReadonlySet<string>;
  /** Loads a list of policy elements (choose bodies) with paths under `parentPath`. */
  loadPolicies(elements: readonly XmlElement[], parentPath: string): PolicyNode[];
  /** A strict reader for a child element that is part of its parent policy (<value>, <when>, <identity>, ...). */
  reader(element: XmlElement, parent: NodeMeta): ElementReader;
}

export function loadError(loc: SourceLocation, message: string): PolicyLoadError {
  return new PolicyLoadError(loc.file, loc.line, loc.column, message);
}

/** Compiles an expression, turning a syntax error into a PolicyLoadError at the exact spot. */
export function compileAt(text: string, loc: SourceLocation, what: string): CompiledExpression {
  try {
    return compileExpression(text, loc, { constructors: POLICY_CONSTRUCTORS });
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) {
      throw new PolicyLoadError(e.file, e.line, e.column, `invalid expression in ${what}: expected ${e.expected}, found ${e.found}`);
    }
    if (e instanceof PolicyLoadError) throw e;
    throw loadError(loc, `invalid expression in ${what}: ${(e as Error).message}`);
  }
}

export class ElementReader {
  private readonly used = new Set<string>(['id']);

  constructor(
    readonly element: XmlElement,
    readonly ctx: LoadContext,
    readonly meta: NodeMeta,
  ) {}

  fail(message: string, loc: SourceLocation = this.element.loc): never {
    throw loadError(loc, `<${this.element.name}>: ${message}`);
  }

  attribute(name: string): XmlAttribute | undefined {
    this.used.add(name);
    return this.element.attributes.find((a) => a.name === name);
  }

  /** A string attribute that may hold an expression (when `expressions` is not false). */
  value(name: string, options: { required: true; expressions?: boolean }): Value;
  value(name: string, options?: { required?: boolean; expressions?: boolean }): Value | undefined;
  value(name: string, options: { required?: boolean; expressions?: boolean } = {}): Value | undefined {
    const attr = this.attribute(name);
    if (!attr) {
      if (options.required) this.fail(`attribute "${name}" is required`);
      return undefined;
    }
    return this.toValue(attr.value, attr.loc, `attribute "${name}" of <${this.element.name}>`, options.expressions !== false);
  }

  /** A plain string attribute (no expressions allowed). */
  literal(name: string, options: { required?: boolean } = {}): string | undefined {
    const attr = this.attribute(name);
    if (!attr) {
      if (options.required) this.fail(`attribute "${name}" is required`);
      return undefined;
    }
    if (isExpression(attr.value)) this.fail(`attribute "${name}" does not accept policy expressions`, attr.loc);
    return attr.value;
  }

  boolean(name: string, defaultValue: boolean): boolean {
    const text = this.literal(name);
    if (text === undefined) return defaultValue;
    const t = text.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
    return this.fail(`attribute "${name}" must be true or false, found "${text}"`, this.attribute(name)!.loc);
  }

  integer(name: string, defaultValue: number, range: { min: number; max: number }): number {
    const text = this.literal(name);
    if (text === undefined) return defaultValue;
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(n) || n < range.min || n > range.max) {
      return this.fail(`attribute "${name}" must be an integer from ${range.min} to ${range.max}, found "${text}"`, this.attribute(name)!.loc);
    }
    return n;
  }

  /** The element's text as a Value; `trim` drops surrounding white space of literals. */
  text(options: { trim: boolean; expressions?: boolean }): Value {
    const raw = this.element.text;
    const trimmed = raw.trim();
    return this.toValue(options.trim ? trimmed : raw, this.element.textLoc, `the text of <${this.element.name}>`, options.expressions !== false, trimmed);
  }

  /** Child elements, refusing any not listed; `max` bounds the count of a name. */
  children(allowed: Readonly<Record<string, { max?: number }>>): XmlElement[] {
    const counts = new Map<string, number>();
    for (const child of this.element.children) {
      const rule = allowed[child.name];
      if (!rule) {
        const names = Object.keys(allowed);
        const expected = names.length ? `expected ${names.map((n) => `<${n}>`).join(', ')}` : 'it takes no child elements';
        throw loadError(child.loc, `unknown element <${child.name}> inside <${this.element.name}>: ${expected}`);
      }
      const n = (counts.get(child.name) ?? 0) + 1;
      counts.set(child.name, n);
      if (rule.max !== undefined && n > rule.max) {
        throw loadError(child.loc, `<${this.element.name}> takes at most ${rule.max} <${child.name}> element${rule.max === 1 ? '' : 's'}`);
      }
    }
    return [...this.element.children];
  }

  /** Refuses attributes nobody asked for. Call after reading everything. */
  finish(): void {
    for (const attr of this.element.attributes) {
      if (!this.used.has(attr.name)) {
        const known = [...this.used].filter((n) => n !== 'id').map((n) => `"${n}"`);
        this.fail(`unknown attribute "${attr.name}"${known.length ? ` (expected ${known.join(', ')})` : ' (it takes no attributes)'}`, attr.loc);
      }
    }
  }

  private toValue(text: string, loc: SourceLocation, what: string, expressions: boolean, probe = text): Value {
    if (isExpression(probe)) {
      if (!expressions) this.fail(`${what} does not accept policy expressions`, loc);
      return { kind: 'expression', expression: compileAt(probe, loc, what), loc };
    }
    return { kind: 'literal', text };
  }
}
