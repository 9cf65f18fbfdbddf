/**
 * A Map that holds at most `limit` entries: setting one more forgets the entry set longest ago (a Map
 * iterates in insertion order, and setting a key again moves it to the end). Every cache kept per isolate
 * is one of these, so an isolate's memory does not grow with the calls, tenants or keys it has seen.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (this.size > this.limit) super.delete(this.keys().next().value!);
    return this;
  }
}
