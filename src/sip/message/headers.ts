import { canonicalHeaderName, headerKey } from './header-names.js';

/** One header field line as received or to be sent: the name as written and its raw value (unfolded). */
export interface HeaderField {
  readonly name: string;
  value: string;
}

/**
 * The header fields of a message, in order. Lookup is case-insensitive and knows compact forms
 * (RFC 3261 §7.3.3). Values stay raw strings: the typed views (Via, name-addr, CSeq...) are parsed by the
 * functions in this folder when asked, so that a proxy or a transaction layer pays only for what it reads.
 * Unknown headers are kept verbatim. A field line holding a comma-separated list stays one field; `getAll`
 * with `split` returns the list elements (RFC 3261 §7.3.1).
 */
export class Headers implements Iterable<HeaderField> {
  private readonly fields: HeaderField[];

  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
  }

  /** The first value of the header, or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.fields) if (headerKey(f.name) === key) return f.value;
    return undefined;
  }

  /** Every field value of the header, in order (each field line one entry; see splitHeaderList for lists). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.fields) if (headerKey(f.name) === key) out.push(f.value);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every field of that name with one field (appended where the first one was, else at the end). */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => headerKey(f.name) === key);
    this.remove(name);
    const field = { name: canonicalHeaderName(name), value };
    if (at < 0) this.fields.push(field);
    else this.fields.splice(at, 0, field);
    return this;
  }

  append(name: string, value: string): this {
    this.fields.push({ name: canonicalHeaderName(name), value });
    return this;
  }

  /** Inserts a field before every other field of that name (a proxy's Via, a Record-Route). */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => headerKey(f.name) === key);
    const field = { name: canonicalHeaderName(name), value };
    if (at < 0) this.fields.push(field);
    else this.fields.splice(at, 0, field);
    return this;
  }

  /** Removes the first field of that name (the top Via on a response going upstream). */
  removeFirst(name: string): boolean {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => headerKey(f.name) === key);
    if (at < 0) return false;
    this.fields.splice(at, 1);
    return true;
  }

  remove(name: string): this {
    const key = headerKey(name);
    for (let i = this.fields.length - 1; i >= 0; i--) if (headerKey(this.fields[i]!.name) === key) this.fields.splice(i, 1);
    return this;
  }

  get size(): number {
    return this.fields.length;
  }

  clone(): Headers {
    return new Headers(this.fields.map((f) => ({ name: f.name, value: f.value })));
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.fields[Symbol.iterator]();
  }
}
