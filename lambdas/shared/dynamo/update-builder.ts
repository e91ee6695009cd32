// UpdateExpression building shared by every repository that makes conditional updates.
/** Builds an UpdateExpression with unique placeholders for names and values. */
export class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private n = 0;

  name(attr: string): string {
    const ph = `#n${this.n++}`;
    this.names[ph] = attr;
    return ph;
  }

  value(v: unknown): string {
    const ph = `:v${this.n++}`;
    this.values[ph] = v;
    return ph;
  }

  /** SET attr = value, or REMOVE attr when the value is null or undefined. */
  set(attr: string, v: unknown): this {
    if (v === null || v === undefined) this.removes.push(this.name(attr));
    else this.sets.push(`${this.name(attr)} = ${this.value(v)}`);
    return this;
  }

  /** A raw SET clause built with this builder's placeholders (e.g. if_not_exists). */
  setExpr(expr: string): this {
    this.sets.push(expr);
    return this;
  }

  remove(attr: string): this {
    this.removes.push(this.name(attr));
    return this;
  }

  add(attr: string, by: number): this {
    this.adds.push(`${this.name(attr)} ${this.value(by)}`);
    return this;
  }

  /** `attr = value` condition. */
  eq(attr: string, v: unknown): string {
    return `${this.name(attr)} = ${this.value(v)}`;
  }

  /** `attr IN (...)` condition. */
  inList(attr: string, options: readonly unknown[]): string {
    return `${this.name(attr)} IN (${options.map((o) => this.value(o)).join(', ')})`;
  }

  expression(): string {
    const parts: string[] = [];
    if (this.sets.length > 0) parts.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length > 0) parts.push(`REMOVE ${this.removes.join(', ')}`);
    if (this.adds.length > 0) parts.push(`ADD ${this.adds.join(', ')}`);
    return parts.join(' ');
  }

  /** The ExpressionAttribute* members of a command (values omitted when there are none). */
  attributes(): { ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    return Object.keys(this.values).length > 0
      ? { ExpressionAttributeNames: this.names, ExpressionAttributeValues: this.values }
      : { ExpressionAttributeNames: this.names };
  }
}
