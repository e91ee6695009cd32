import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { can, CreateForm, Field, grantableRoles, jsonObjectOf, useForm } from '../src/admin/form-kit';
import { ApiError } from '../src/api/client';
import { clearSession, saveSession } from '../src/api/session';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** A two-field form whose submit fails with `error`. */
function Failing({ error }: { error: unknown }) {
  const form = useForm(['cron_expression', 'config']);
  return (
    <CreateForm title="New thing" form={form} submitLabel="Create" onSubmit={() => Promise.reject(error)}>
      <Field label="Cron expression" path="cron_expression" form={form} help="five fields">
        {(c) => <input {...c} />}
      </Field>
      <Field label="Bucket" path="config" form={form}>
        {(c) => <input {...c} />}
      </Field>
    </CreateForm>
  );
}

describe('create form kit', () => {
  let container: HTMLDivElement;
  let root: Root;
  beforeEach(() => {
    container = document.createElement('div');
    document.body.appendChild(container);
    root = createRoot(container);
  });
  afterEach(() => {
    act(() => root.unmount());
    container.remove();
    clearSession();
  });

  const control = (label: string) => {
    const l = [...container.querySelectorAll('label')].find((x) => x.textContent === label);
    if (!l) throw new Error(`no label ${label}`);
    return document.getElementById(l.htmlFor) as HTMLInputElement;
  };
  const description = (el: HTMLElement) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent)
      .join(' | ');
  const submit = async () => {
    await act(async () => {
      container.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    });
  };

  test("puts each of the API's error details on the field its path names; the rest above the button", async () => {
    const error = new ApiError(400, 'validation_error', 'The request is not valid', [
      { path: 'cron_expression', message: 'must have 5 fields' },
      { path: 'config.bucket', message: 'is required' },
      { path: 'timezone', message: 'is not a time zone' },
    ]);
    act(() => root.render(<Failing error={error} />));
    expect(control('Cron expression').getAttribute('aria-invalid')).toBe('false');
    expect(description(control('Cron expression'))).toBe('five fields');
    await submit();
    expect(control('Cron expression').getAttribute('aria-invalid')).toBe('true');
    expect(description(control('Cron expression'))).toBe('five fields | must have 5 fields');
    expect(description(control('Bucket'))).toBe('config.bucket: is required');
    const alert = container.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain('The request is not valid');
    expect(alert.textContent).toContain('timezone: is not a time zone');
    expect(alert.textContent).not.toContain('must have 5 fields');
    expect(container.querySelector('form')!.getAttribute('aria-labelledby')).toBe(container.querySelector('h2')!.id);
  });

  test('an error without details is shown whole; a plain Error by its message', async () => {
    act(() => root.render(<Failing error={new ApiError(403, 'forbidden', 'you cannot grant a role above your own (admin)')} />));
    await submit();
    expect(container.querySelector('[role=alert]')!.textContent).toContain('you cannot grant a role above your own');
    act(() => root.render(<Failing error={new Error('network down')} />));
    await submit();
    expect(container.querySelector('[role=alert]')!.textContent).toBe('network down');
  });

  test('jsonObjectOf: empty is undefined; bad JSON and non-objects are errors on the field', () => {
    expect(jsonObjectOf('  ', 'parameters')).toBeUndefined();
    expect(jsonObjectOf('{"a":1}', 'parameters')).toEqual({ a: 1 });
    for (const [text, message] of [
      ['{', 'is not valid JSON'],
      ['[1]', 'must be a JSON object'],
      ['3', 'must be a JSON object'],
    ] as const) {
      try {
        jsonObjectOf(text, 'parameters');
        throw new Error('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError);
        expect((e as ApiError).details).toEqual([{ path: 'parameters', message }]);
      }
    }
  });

  test("can and grantableRoles follow the session's role", () => {
    expect(can('schedules:write')).toBe(false);
    expect(grantableRoles()).toEqual([]);
    saveSession({ token: 't', kind: 'password', org_id: 'o', label: 'x', role: 'developer' });
    expect(can('schedules:write')).toBe(true);
    expect(can('secrets:manage')).toBe(false);
    expect(grantableRoles()).toEqual(['viewer', 'developer']);
    saveSession({ token: 't', kind: 'password', org_id: 'o', label: 'x', role: 'owner' });
    expect(can('api_keys:manage')).toBe(true);
    expect(grantableRoles()).toEqual(['viewer', 'developer', 'admin', 'owner']);
  });
});
