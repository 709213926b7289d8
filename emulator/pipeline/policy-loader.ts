// A policy document (XML text) → PolicyDocument: the root must be <policies>, its children the four sections, each
// section a list of known policies allowed there. Everything else fails here, at load, with file:line:col.

import { ElementReader, loadError, type LoadContext } from './element-reader';
import { SECTIONS, type NodeMeta, type PolicyDocument, type PolicyNode, type Scope, type Section } from './policy-ast';
import { parsePolicyXml, type XmlElement } from './policy-xml';
import { isPolicyName, POLICIES } from './policies/registry';

export interface PolicySource {
  readonly xml: string;
  /** Named in errors; "inline:<where>" for policies written inside the config. */
  readonly file: string;
}

export interface LoadOptions {
  readonly scope: Scope;
  readonly certificateIds?: ReadonlySet<string>;
}

export function loadPolicyDocument(source: PolicySource, options: LoadOptions): PolicyDocument {
  const root = parsePolicyXml(source.xml, source.file);
  if (root.name !== 'policies') throw loadError(root.loc, `the root element must be <policies>, found <${root.name}>`);
  if (root.attributes.length > 0) throw loadError(root.attributes[0]!.loc, `<policies>: unknown attribute "${root.attributes[0]!.name}" (it takes no attributes)`);
  if (root.text.trim() !== '') throw loadError(root.textLoc, '<policies>: text is not allowed here');
  const sections: Partial<Record<Section, PolicyNode[]>> = {};
  for (const el of root.children) {
    if (!(SECTIONS as readonly string[]).includes(el.name)) {
      throw loadError(el.loc, `unknown element <${el.name}> inside <policies>: expected ${SECTIONS.map((s) => `<${s}>`).join(', ')}`);
    }
    const section = el.name as Section;
    if (sections[section]) throw loadError(el.loc, `<${section}> appears twice`);
    if (el.attributes.length > 0) throw loadError(el.attributes[0]!.loc, `<${section}>: unknown attribute "${el.attributes[0]!.name}" (it takes no attributes)`);
    const nodes = sectionLoader(source.file, options, section).loadPolicies(el.children, '');
    checkBase(nodes, section);
    sections[section] = nodes;
    if (el.text.trim() !== '') throw loadError(el.textLoc, `<${section}>: text is not allowed here`);
  }
  return { file: source.file, scope: options.scope, sections };
}

function sectionLoader(file: string, options: LoadOptions, section: Section): LoadContext {
  const ctx: LoadContext = {
    file,
    scope: options.scope,
    section,
    certificateIds: options.certificateIds ?? new Set(),
    loadPolicies(elements, parentPath) {
      const seen = new Map<string, number>();
      return elements.map((el) => {
        const n = (seen.get(el.name) ?? 0) + 1;
        seen.set(el.name, n);
        const path = `${parentPath ? `${parentPath}\\` : ''}${el.name}[${n}]`;
        return loadPolicy(el, ctx, path);
      });
    },
    reader(element, parent) {
      return new ElementReader(element, ctx, { ...parent, element: element.name, loc: element.loc });
    },
  };
  return ctx;
}

function loadPolicy(el: XmlElement, ctx: LoadContext, path: string): PolicyNode {
  if (!isPolicyName(el.name)) throw loadError(el.loc, `unknown policy element <${el.name}> in <${ctx.section}>`);
  const def = POLICIES[el.name];
  if (!def.sections.includes(ctx.section)) {
    throw loadError(el.loc, `<${el.name}> is not allowed in <${ctx.section}> (allowed in: ${def.sections.join(', ')})`);
  }
  if (el.name === 'base' && path.includes('\\')) throw loadError(el.loc, '<base/> must be a direct child of its section');
  const idAttr = el.attributes.find((a) => a.name === 'id');
  const meta: NodeMeta = { element: el.name, loc: el.loc, scope: ctx.scope, section: ctx.section, path, id: idAttr?.value ?? '' };
  const reader = new ElementReader(el, ctx, meta);
  // Only set-body carries text; anywhere else it is a typo or a misplaced value.
  if (el.name !== 'set-body' && el.text.trim() !== '') throw loadError(el.textLoc, `<${el.name}>: text is not allowed here`);
  return (def.load as (r: ElementReader) => PolicyNode)(reader);
}

function checkBase(nodes: readonly PolicyNode[], section: Section): void {
  const bases = nodes.filter((n) => n.kind === 'base');
  if (bases.length > 1) throw loadError(bases[1]!.meta.loc, `<base/> may appear only once in <${section}>`);
}
