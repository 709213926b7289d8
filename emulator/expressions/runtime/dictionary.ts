// IDictionary / IReadOnlyDictionary for hosts (context.Variables, context.Request.Headers,
// context.Deployment.Certificates). Map-backed: keys never touch JS object properties, so "__proto__" or
// "constructor" are ordinary keys and prototype pollution is impossible.
import { argumentError, CsException } from '../errors';
import { HOST_OBJECT, NO_SUCH_MEMBER, type EnumerableHostObject, type HostObject } from '../host';

export interface CsDictionaryOptions {
  /** Expressions may not Add/Remove (IReadOnlyDictionary). Hosts can always change it from JS. Default true. */
  readonly readOnly?: boolean;
  /** String keys compare OrdinalIgnoreCase (HTTP headers). Default false (Ordinal). */
  readonly ignoreCase?: boolean;
  /** C# type name for messages and casts. Default "Dictionary<String, Object>". */
  readonly typeName?: string;
  /**
   * Maps a found value for GetValueOrDefault, e.g. APIM's headers return the values joined by "," from
   * GetValueOrDefault while the indexer returns the string[].
   */
  readonly getValueOrDefault?: (value: unknown) => unknown;
}

export class CsKeyValuePair implements HostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName = 'KeyValuePair';
  constructor(
    readonly Key: unknown,
    readonly Value: unknown,
  ) {}
  getMember(name: string): unknown {
    return name === 'Key' ? this.Key : name === 'Value' ? this.Value : NO_SUCH_MEMBER;
  }
  invoke(): unknown {
    return NO_SUCH_MEMBER;
  }
}

export class CsDictionary implements EnumerableHostObject {
  readonly [HOST_OBJECT] = true as const;
  readonly typeName: string;
  readonly readOnly: boolean;
  readonly ignoreCase: boolean;
  private readonly map = new Map<unknown, { key: unknown; value: unknown }>();
  private readonly mapFound: ((value: unknown) => unknown) | undefined;
  /** Pairs as enumerated, rebuilt after a change (policies enumerate far more often than they change). */
  private pairs: readonly CsKeyValuePair[] | null = null;

  constructor(entries?: Iterable<readonly [unknown, unknown]>, options: CsDictionaryOptions = {}) {
    this.readOnly = options.readOnly ?? true;
    this.ignoreCase = options.ignoreCase ?? false;
    this.typeName = options.typeName ?? 'Dictionary<String, Object>';
    this.mapFound = options.getValueOrDefault;
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  private norm(key: unknown): unknown {
    if (key === null || key === undefined) throw new CsException('ArgumentNullException', "Value cannot be null. (Parameter 'key')");
    // OrdinalIgnoreCase compares upper-cased invariant forms.
    return this.ignoreCase && typeof key === 'string' ? key.toUpperCase() : key;
  }

  // ---- JS side -------------------------------------------------------------------------------------------------
  get size(): number {
    return this.map.size;
  }
  has(key: unknown): boolean {
    return this.map.has(this.norm(key));
  }
  /** The value, or undefined when absent. */
  get(key: unknown): unknown {
    return this.map.get(this.norm(key))?.value;
  }
  set(key: unknown, value: unknown): this {
    const k = this.norm(key);
    const existing = this.map.get(k);
    this.map.set(k, { key: existing ? existing.key : key, value });
    this.pairs = null;
    return this;
  }
  delete(key: unknown): boolean {
    this.pairs = null;
    return this.map.delete(this.norm(key));
  }
  *entries(): IterableIterator<[unknown, unknown]> {
    for (const e of this.map.values()) yield [e.key, e.value];
  }

  // ---- HostObject ----------------------------------------------------------------------------------------------
  enumerate(): readonly CsKeyValuePair[] {
    return (this.pairs ??= Object.freeze(Array.from(this.map.values(), (e) => new CsKeyValuePair(e.key, e.value))));
  }

  getMember(name: string): unknown {
    switch (name) {
      case 'Count': return this.map.size;
      case 'Keys': return Array.from(this.map.values(), (e) => e.key);
      case 'Values': return Array.from(this.map.values(), (e) => e.value);
      default: return NO_SUCH_MEMBER;
    }
  }

  invoke(name: string, args: readonly unknown[]): unknown {
    switch (name) {
      case 'get_Item': {
        if (args.length !== 1) break;
        const e = this.map.get(this.norm(args[0]));
        if (!e) throw new CsException('KeyNotFoundException', `The given key '${String(args[0])}' was not present in the dictionary.`);
        return e.value;
      }
      case 'ContainsKey':
        if (args.length !== 1) break;
        return this.map.has(this.norm(args[0]));
      case 'ContainsValue':
        if (args.length !== 1) break;
        for (const e of this.map.values()) if (e.value === args[0]) return true;
        return false;
      case 'GetValueOrDefault': {
        if (args.length < 1 || args.length > 2) break;
        const e = this.map.get(this.norm(args[0]));
        if (!e) return args.length === 2 ? args[1] : null;
        return this.mapFound ? this.mapFound(e.value) : e.value;
      }
      case 'Add':
      case 'Remove':
      case 'set_Item':
      case 'Clear': {
        if (this.readOnly) break;
        if (name === 'Clear') {
          this.map.clear();
          this.pairs = null;
          return null;
        }
        if (name === 'Remove') return args.length === 1 ? this.delete(args[0]) : NO_SUCH_MEMBER;
        if (args.length !== 2) break;
        if (name === 'Add' && this.has(args[0])) throw argumentError('An item with the same key has already been added.');
        this.set(args[0], args[1]);
        return null;
      }
      case 'ToString':
        return args.length === 0 ? this.typeName : NO_SUCH_MEMBER;
    }
    return NO_SUCH_MEMBER;
  }
}
