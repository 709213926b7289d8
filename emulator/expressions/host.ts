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
