// A message's headers as the pipeline mutates them: case-insensitive names, repeated values kept in order, the
// first-seen spelling of a name kept for the wire.

type Source = Readonly<Record<string, readonly string[]>>;

export class HeaderStore {
  private readonly map = new Map<string, { name: string; values: string[] }>();
  /**
   * Copy-on-write (see over()): the record the store was made from, read in place until the first change. Most
   * requests' headers are only read (or not touched) by the policies and then handed on, so building the Map and
   * copying it back out per request was work for nothing.
   */
  private source: Source | undefined;

  static fromRecord(headers: Readonly<Record<string, string | readonly string[]>>): HeaderStore {
    const store = new HeaderStore();
    for (const [name, v] of Object.entries(headers)) {
      for (const value of typeof v === 'string' ? [v] : v) store.append(name, value);
    }
    return store;
  }

  /**
   * The same as fromRecord(headers) for a record that will not change while the store lives (the front's request
   * headers), without copying it unless a policy edits the headers. Falls back to fromRecord when a name is not lower
   * case or a value is not a non-empty array, where reading in place would differ.
   */
  static over(headers: Source): HeaderStore {
    for (const name in headers) {
      const values = headers[name];
      if (name !== name.toLowerCase() || !Array.isArray(values) || values.length === 0) return HeaderStore.fromRecord(headers);
    }
    const store = new HeaderStore();
    store.source = headers;
    return store;
  }

  /** Turns a copy-on-write store into its own Map, exactly as fromRecord would have built it. */
  private own(): void {
    const source = this.source;
    if (!source) return;
    this.source = undefined;
    for (const name in source) {
      for (const value of source[name]!) this.append(name, value);
    }
  }

  get(name: string): readonly string[] | undefined {
    if (this.source) {
      const key = name.toLowerCase();
      return Object.hasOwn(this.source, key) ? this.source[key] : undefined;
    }
    return this.map.get(name.toLowerCase())?.values;
  }

  has(name: string): boolean {
    if (this.source) return Object.hasOwn(this.source, name.toLowerCase());
    return this.map.has(name.toLowerCase());
  }

  set(name: string, values: readonly string[]): void {
    this.own();
    this.map.set(name.toLowerCase(), { name, values: [...values] });
  }

  append(name: string, value: string): void {
    this.own();
    const entry = this.map.get(name.toLowerCase());
    if (entry) entry.values.push(value);
    else this.map.set(name.toLowerCase(), { name, values: [value] });
  }

  delete(name: string): void {
    this.own();
    this.map.delete(name.toLowerCase());
  }

  get size(): number {
    if (this.source) return Object.keys(this.source).length;
    return this.map.size;
  }

  /** [name as first written, values] pairs. */
  entries(): IterableIterator<{ name: string; values: string[] }> {
    this.own();
    return this.map.values();
  }

  /** Lower-case names, every value kept: the contract's header shape. */
  toRecord(): Readonly<Record<string, readonly string[]>> {
    // Unchanged since over(): the record it was made from already has this shape (it is read-only to callers).
    if (this.source) return this.source;
    const out: Record<string, string[]> = {};
    for (const [key, entry] of this.map) out[key] = [...entry.values];
    return out;
  }
}
