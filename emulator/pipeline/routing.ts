// Which API and operation a request is for: the API whose path prefix matches (longest first), then the operation
// whose method and URL template match the rest of the path (literal segments beat {parameters}). No match → null
// (the front answers APIM's 404).

export interface RouteTarget<T> {
  readonly apiPath: string;
  readonly method: string;
  readonly urlTemplate: string;
  readonly value: T;
}

type Segment = { readonly literal: string } | { readonly param: string } | { readonly rest: string };

interface CompiledRoute<T> {
  readonly prefix: readonly string[];
  readonly method: string;
  readonly segments: readonly Segment[];
  readonly literals: number;
  readonly value: T;
}

const splitPath = (path: string): string[] => path.split('/').filter((s) => s !== '');

export class TemplateError extends Error {}

function compileTemplate(template: string): Segment[] {
  const path = template.split('?')[0]!;
  const segments = splitPath(path).map((s): Segment => {
    const m = /^\{(\*?)([A-Za-z_][\w.-]*)\}$/.exec(s);
    if (m) return m[1] ? { rest: m[2]! } : { param: m[2]! };
    if (s === '*') return { rest: '*' };
    if (/[{}]/.test(s)) throw new TemplateError(`URL template "${template}": segment "${s}" must be a literal or a single {parameter}`);
    return { literal: s };
  });
  const restAt = segments.findIndex((s) => 'rest' in s);
  if (restAt >= 0 && restAt !== segments.length - 1) throw new TemplateError(`URL template "${template}": a wildcard must be the last segment`);
  return segments;
}

export class Router<T> {
  private readonly routes: CompiledRoute<T>[];

  constructor(targets: readonly RouteTarget<T>[]) {
    this.routes = targets.map((t) => {
      const segments = compileTemplate(t.urlTemplate);
      return {
        prefix: splitPath(t.apiPath),
        method: t.method.toUpperCase(),
        segments,
        literals: segments.filter((s) => 'literal' in s).length,
        value: t.value,
      };
    });
    // Longest API prefix first, then most literal segments, then longest template, then no wildcard.
    this.routes.sort(
      (a, b) =>
        b.prefix.length - a.prefix.length ||
        b.literals - a.literals ||
        b.segments.length - a.segments.length ||
        Number(a.method === '*') - Number(b.method === '*'),
    );
  }

  match(method: string, rawPath: string): { value: T; params: Record<string, string> } | null {
    const parts = splitPath(rawPath.split('?')[0]!);
    const upper = method.toUpperCase();
    for (const route of this.routes) {
      if (route.method !== upper && route.method !== '*') continue;
      if (!route.prefix.every((p, i) => parts[i] !== undefined && p.toLowerCase() === parts[i]!.toLowerCase())) continue;
      const params = matchSegments(route.segments, parts.slice(route.prefix.length));
      if (params) return { value: route.value, params };
    }
    return null;
  }
}

function matchSegments(segments: readonly Segment[], parts: readonly string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if ('rest' in seg) {
      params[seg.rest] = parts.slice(i).map(decode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if ('literal' in seg) {
      if (seg.literal.toLowerCase() !== decode(part).toLowerCase()) return null;
    } else params[seg.param] = decode(part);
  }
  return parts.length === segments.length ? params : null;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
