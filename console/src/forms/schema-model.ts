// The "run with parameters" form, generated from a flow's parameters JSON Schema: which field each
// property becomes, and turning what was typed back into JSON values with per-field errors.

export type FieldKind = 'text' | 'integer' | 'number' | 'boolean' | 'enum' | 'json';

export interface Field {
  name: string;
  kind: FieldKind;
  label: string;
  required: boolean;
  description?: string;
  options?: Array<string | number | boolean>;
  minimum?: number;
  maximum?: number;
  /** The initial text of the input (from the deployment's parameters, else the schema default). */
  initial: string;
}

type Schema = Record<string, unknown>;

function asSchema(value: unknown): Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};
}

function kindOf(prop: Schema): FieldKind {
  if (Array.isArray(prop.enum) && prop.enum.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) return 'enum';
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
  if (type === 'string') return 'text';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  return 'json';
}

function initialText(kind: FieldKind, value: unknown): string {
  if (value === undefined) return kind === 'boolean' ? 'false' : '';
  if (kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

/** The form's fields, in the schema's property order; `values` pre-fill (e.g. a deployment's parameters). */
export function fieldsOf(schemaValue: unknown, values: Record<string, unknown> = {}): Field[] {
  const schema = asSchema(schemaValue);
  const properties = asSchema(schema.properties);
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  return Object.entries(properties).map(([name, raw]) => {
    const prop = asSchema(raw);
    const kind = kindOf(prop);
    const field: Field = {
      name,
      kind,
      label: typeof prop.title === 'string' ? prop.title : name,
      required: required.has(name),
      initial: initialText(kind, name in values ? values[name] : prop.default),
    };
    if (typeof prop.description === 'string') field.description = prop.description;
    if (kind === 'enum') field.options = prop.enum as Array<string | number | boolean>;
    if (typeof prop.minimum === 'number') field.minimum = prop.minimum;
    if (typeof prop.maximum === 'number') field.maximum = prop.maximum;
    return field;
  });
}

/**
 * Parses the typed texts into parameters. Empty optional fields are left out (the flow's defaults
 * apply); the errors are keyed by field name, and the API validates again on submit.
 */
export function valuesOf(fields: Field[], texts: Record<string, string>): { parameters: Record<string, unknown>; errors: Record<string, string> } {
  const parameters: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const text = (texts[f.name] ?? f.initial).trim();
    if (text === '' && f.kind !== 'boolean') {
      if (f.required) errors[f.name] = 'required';
      continue;
    }
    switch (f.kind) {
      case 'text':
        parameters[f.name] = texts[f.name] ?? f.initial;
        break;
      case 'boolean':
        parameters[f.name] = text === 'true';
        break;
      case 'enum': {
        const option = f.options?.find((o) => String(o) === text);
        if (option === undefined) errors[f.name] = `must be one of ${f.options?.join(', ')}`;
        else parameters[f.name] = option;
        break;
      }
      case 'integer':
      case 'number': {
        const n = Number(text);
        if (!Number.isFinite(n) || (f.kind === 'integer' && !Number.isInteger(n))) errors[f.name] = f.kind === 'integer' ? 'must be a whole number' : 'must be a number';
        else if (f.minimum !== undefined && n < f.minimum) errors[f.name] = `must be at least ${f.minimum}`;
        else if (f.maximum !== undefined && n > f.maximum) errors[f.name] = `must be at most ${f.maximum}`;
        else parameters[f.name] = n;
        break;
      }
      case 'json':
        try {
          parameters[f.name] = JSON.parse(text);
        } catch {
          errors[f.name] = 'must be JSON';
        }
        break;
    }
  }
  return { parameters, errors };
}
