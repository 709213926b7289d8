// The one way policy expressions reach the outside world. The interpreter never reads JS properties of arbitrary
// objects (no prototype walk, no `constructor`, no `__proto__`): it reads members only of values that implement
// HostObject, of the runtime library types (CsDictionary, CsDateTime, ...) and of primitives it knows.

export const HOST_OBJECT = Symbol.for('certgate.hostObject');

export interface HostObject {
  readonly [HOST_OBJECT]: true;
  /** The C# type name, for casts (`(string)x`, `as`) and error messages, e.g. "X509Certificate2". */
  readonly typeName: string;
  /** A property read. Return NO_SUCH_MEMBER when the type has no such property (a runtime error in the policy). */
  getMember(name: string): unknown;
  /** A method call. Return NO_SUCH_MEMBER when the type has no such method. */
  invoke(name: string, args: readonly unknown[]): unknown;
}

export const NO_SUCH_MEMBER = Symbol.for('certgate.noSuchMember');

export const isHostObject = (v: unknown): v is HostObject =>
  typeof v === 'object' && v !== null && (v as Partial<HostObject>)[HOST_OBJECT] === true;

// ---- Additive extensions (expression runtime) ------------------------------------------------------------------
// Indexers: `x[i]` on a host object calls invoke('get_Item', [i]) (the .NET name of an indexer's getter).

/** A host value that is IEnumerable: LINQ methods and foreach work on what `enumerate` yields. */
export interface EnumerableHostObject extends HostObject {
  enumerate(): Iterable<unknown>;
}

export const isEnumerableHost = (v: unknown): v is EnumerableHostObject =>
  isHostObject(v) && typeof (v as Partial<EnumerableHostObject>).enumerate === 'function';

/**
 * A host value with generic methods (`Body.As<string>()`): called with the C# type arguments as written
 * (e.g. ["string"]). Without it, a generic call goes to invoke(name, args) and the result is cast to the type.
 */
export interface GenericHostObject extends HostObject {
  invokeGeneric(name: string, typeArgs: readonly string[], args: readonly unknown[]): unknown;
}

export const isGenericHost = (v: unknown): v is GenericHostObject =>
  isHostObject(v) && typeof (v as Partial<GenericHostObject>).invokeGeneric === 'function';
