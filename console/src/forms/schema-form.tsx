import { useId, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { ErrorBox } from '../shell/ui';
import { fieldsOf, valuesOf, type Field } from './schema-model';

function Input({ field, id, value, onChange, error }: { field: Field; id: string; value: string; onChange: (v: string) => void; error?: string }) {
  const describedBy = [field.description ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-describedby': describedBy, 'aria-invalid': error !== undefined, required: field.required && field.kind !== 'boolean' };
  switch (field.kind) {
    case 'boolean':
      return <input {...common} type="checkbox" checked={value === 'true'} onChange={(e) => onChange(String(e.target.checked))} />;
    case 'enum':
      return (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          {!field.required && <option value="">—</option>}
          {field.options!.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
    case 'integer':
    case 'number':
      return <input {...common} type="number" inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'} step={field.kind === 'integer' ? 1 : 'any'} min={field.minimum} max={field.maximum} value={value} onChange={(e) => onChange(e.target.value)} />;
    case 'json':
      return <textarea {...common} rows={3} value={value} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
    default:
      return <input {...common} type="text" value={value} onChange={(e) => onChange(e.target.value)} />;
  }
}

/**
 * A form generated from a parameters JSON Schema. `onSubmit` gets the parsed parameters; an
 * ApiError it throws is shown, with its field paths (`parameters.rows`) mapped onto the fields.
 */
export function SchemaForm(props: { schema: unknown; initial?: Record<string, unknown>; submitLabel: string; onSubmit: (parameters: Record<string, unknown>) => Promise<void> }) {
  const fields = useMemo(() => fieldsOf(props.schema, props.initial), [props.schema, props.initial]);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [apiError, setApiError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const base = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { parameters, errors: found } = valuesOf(fields, texts);
    setErrors(found);
    setApiError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await props.onSubmit(parameters);
    } catch (e) {
      setApiError(e);
      if (e instanceof ApiError) {
        const mapped: Record<string, string> = {};
        for (const d of e.details) {
          const m = /^parameters\.([^.[]+)/.exec(d.path);
          if (m) mapped[m[1]!] = d.message;
        }
        setErrors(mapped);
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="schema-form" onSubmit={(e) => void submit(e)} noValidate>
      {fields.length === 0 && <p className="muted">This flow takes no parameters.</p>}
      {fields.map((f) => {
        const id = `${base}-${f.name}`;
        return (
          <div className={`field field-${f.kind}`} key={f.name}>
            <label htmlFor={id}>
              {f.label}
              {f.required && <span aria-hidden="true"> *</span>}
            </label>
            <Input field={f} id={id} value={texts[f.name] ?? f.initial} onChange={(v) => setTexts((t) => ({ ...t, [f.name]: v }))} error={errors[f.name]} />
            {f.description && (
              <small id={`${id}-help`} className="muted">
                {f.description}
              </small>
            )}
            {errors[f.name] && (
              <small id={`${id}-error`} className="error-text" role="alert">
                {f.label} {errors[f.name]}
              </small>
            )}
          </div>
        );
      })}
      <ErrorBox error={apiError} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Starting…' : props.submitLabel}
      </button>
    </form>
  );
}
