import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { loadSession } from '../api/session';
import { ROLES, roleHasPermission, type Permission, type Role } from '../../../lambdas/catalogue/roles';
import { ErrorBox } from '../shell/ui';

// The create forms of the organization pages share this: a submit that keeps the API's error,
// fields that show the details whose path names them, and the rest of the error above the button.

/** Whether the signed-in role holds a permission (the API decides; this only hides what would be refused). */
export function can(permission: Permission): boolean {
  const role = loadSession()?.role ?? null;
  return role !== null && roleHasPermission(role, permission);
}

/** The roles a user may hand out: their own and those below (the API refuses more). */
export function grantableRoles(): Role[] {
  const role = loadSession()?.role ?? null;
  return role === null ? [] : ROLES.filter((r) => ROLES.indexOf(r) <= ROLES.indexOf(role));
}

/** A detail belongs to a field when its path is the field's or lies below it (`config.bucket` under `config`). */
function claims(field: string, path: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

export interface FormState {
  error: unknown;
  busy: boolean;
  /** The messages of the error's details for this field path. */
  fieldError: (path: string) => string | undefined;
  onSubmit: (action: () => Promise<void>) => (event: FormEvent) => void;
}

export function useForm(fields: string[]): FormState {
  const [error, setError] = useState<unknown>(null);
  const [details, setDetails] = useState<Array<{ path: string; message: string }>>([]);
  const [busy, setBusy] = useState(false);
  return {
    error,
    busy,
    fieldError: (path) => {
      const messages = details.filter((d) => claims(path, d.path)).map((d) => (d.path === path ? d.message : `${d.path}: ${d.message}`));
      return messages.length === 0 ? undefined : messages.join('; ');
    },
    onSubmit: (action) => (event) => {
      event.preventDefault();
      setBusy(true);
      setError(null);
      setDetails([]);
      action()
        .catch((e: unknown) => {
          if (e instanceof ApiError) {
            setDetails(e.details);
            // Details shown on their fields are left out of the box above the button.
            setError(new ApiError(e.status, e.code, e.message, e.details.filter((d) => !fields.some((f) => claims(f, d.path)))));
          } else setError(e);
        })
        .finally(() => setBusy(false));
    },
  };
}

/** A labelled control with its error (aria-invalid, aria-describedby) under it. */
export function Field(props: {
  label: string;
  path: string;
  form: FormState;
  help?: string;
  children: (control: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
}) {
  const id = useId();
  const error = props.form.fieldError(props.path);
  const describedBy = [props.help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, 'aria-invalid': error !== undefined, 'aria-describedby': describedBy })}
      {props.help && (
        <small id={`${id}-help`} className="muted">
          {props.help}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="error-text field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/** The form's frame: a titled panel, the error the fields did not claim, and the submit button. */
export function CreateForm(props: { title: string; form: FormState; submitLabel: string; onSubmit: () => Promise<void>; children: ReactNode }) {
  const headingId = useId();
  return (
    <form className="panel create-form" aria-labelledby={headingId} onSubmit={props.form.onSubmit(props.onSubmit)} noValidate>
      <h2 id={headingId}>{props.title}</h2>
      <div className="create-fields">{props.children}</div>
      <ErrorBox error={props.form.error} />
      <div>
        <button type="submit" className="primary" disabled={props.form.busy}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}

/** Parses an optional JSON object field; an error names the field like the API's do. */
export function jsonObjectOf(text: string, path: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'validation_error', 'The request is not valid', [{ path, message: 'is not valid JSON' }]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'validation_error', 'The request is not valid', [{ path, message: 'must be a JSON object' }]);
  }
  return value as Record<string, unknown>;
}
