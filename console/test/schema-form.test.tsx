import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { ApiError } from '../src/api/client';
import { SchemaForm } from '../src/forms/schema-form';
import { fieldsOf, valuesOf } from '../src/forms/schema-model';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const SCHEMA = {
  type: 'object',
  required: ['day'],
  properties: {
    day: { type: 'string', title: 'Day', description: 'the day to load' },
    rows: { type: 'integer', minimum: 0, maximum: 10000, default: 20 },
    ratio: { type: 'number' },
    dry_run: { type: 'boolean' },
    region: { enum: ['north', 'south'] },
    filters: { type: 'object' },
  },
};

describe('fieldsOf / valuesOf', () => {
  test('one field per property, in order, with the right kind, label, bounds and initial text', () => {
    const fields = fieldsOf(SCHEMA, { region: 'south' });
    expect(fields.map((f) => [f.name, f.kind, f.label, f.required, f.initial])).toEqual([
      ['day', 'text', 'Day', true, ''],
      ['rows', 'integer', 'rows', false, '20'],
      ['ratio', 'number', 'ratio', false, ''],
      ['dry_run', 'boolean', 'dry_run', false, 'false'],
      ['region', 'enum', 'region', false, 'south'],
      ['filters', 'json', 'filters', false, ''],
    ]);
    expect(fields[1]).toMatchObject({ minimum: 0, maximum: 10000 });
    expect(fields[4]!.options).toEqual(['north', 'south']);
  });

  test('no schema or no properties: no fields', () => {
    expect(fieldsOf(undefined)).toEqual([]);
    expect(fieldsOf({ type: 'object' })).toEqual([]);
  });

  test('parses typed text into JSON values; empty optional fields are left out', () => {
    const fields = fieldsOf(SCHEMA);
    const { parameters, errors } = valuesOf(fields, { day: '2026-11-28', rows: '12', ratio: '0.5', dry_run: 'true', region: 'north', filters: '{"a": [1]}' });
    expect(errors).toEqual({});
    expect(parameters).toEqual({ day: '2026-11-28', rows: 12, ratio: 0.5, dry_run: true, region: 'north', filters: { a: [1] } });
    expect(valuesOf(fields, { day: 'x', rows: '' }).parameters).toEqual({ day: 'x', dry_run: false });
  });

  test('reports each bad field by name', () => {
    const { errors } = valuesOf(fieldsOf(SCHEMA), { day: ' ', rows: '1.5', ratio: 'abc', region: 'west', filters: '{' });
    expect(errors).toEqual({ day: 'required', rows: 'must be a whole number', ratio: 'must be a number', region: 'must be one of north, south', filters: 'must be JSON' });
    expect(valuesOf(fieldsOf(SCHEMA), { day: 'd', rows: '10001' }).errors).toEqual({ rows: 'must be at most 10000' });
    expect(valuesOf(fieldsOf(SCHEMA), { day: 'd', rows: '-1' }).errors).toEqual({ rows: 'must be at least 0' });
  });
});

describe('<SchemaForm>', () => {
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
  });

  const input = (label: string) => {
    const l = [...container.querySelectorAll('label')].find((x) => x.textContent?.replace(' *', '') === label);
    if (!l) throw new Error(`no label ${label}`);
    return document.getElementById(l.htmlFor) as HTMLInputElement;
  };
  const type = (el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, value: string) => {
    const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(el, value);
    el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  };
  const submit = async () => {
    await act(async () => {
      container.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    });
  };

  test('renders labelled inputs of the right types, with help text tied to the field', () => {
    act(() => root.render(<SchemaForm schema={SCHEMA} submitLabel="Start run" onSubmit={async () => undefined} />));
    expect(input('Day').type).toBe('text');
    expect(input('Day').required).toBe(true);
    expect(document.getElementById(input('Day').getAttribute('aria-describedby')!)?.textContent).toBe('the day to load');
    expect(input('rows').type).toBe('number');
    expect(input('rows').min).toBe('0');
    expect(input('rows').value).toBe('20');
    expect(input('dry_run').type).toBe('checkbox');
    expect(input('region').tagName).toBe('SELECT');
    expect(input('filters').tagName).toBe('TEXTAREA');
    expect(container.querySelector('button[type=submit]')!.textContent).toBe('Start run');
  });

  test('submits the parsed parameters', async () => {
    const submitted: Array<Record<string, unknown>> = [];
    act(() => root.render(<SchemaForm schema={SCHEMA} submitLabel="Start run" onSubmit={async (p) => void submitted.push(p)} />));
    act(() => {
      type(input('Day'), '2026-11-28');
      type(input('rows'), '7');
      input('dry_run').click();
      type(input('region'), 'south');
    });
    await submit();
    expect(submitted).toEqual([{ day: '2026-11-28', rows: 7, dry_run: true, region: 'south' }]);
  });

  test('does not submit with field errors and marks the fields invalid', async () => {
    const onSubmit = jest.fn(async () => undefined);
    act(() => root.render(<SchemaForm schema={SCHEMA} submitLabel="Start run" onSubmit={onSubmit} />));
    act(() => type(input('rows'), '99999'));
    await submit();
    expect(onSubmit).not.toHaveBeenCalled();
    expect(input('Day').getAttribute('aria-invalid')).toBe('true');
    expect(input('rows').getAttribute('aria-invalid')).toBe('true');
    expect([...container.querySelectorAll('[role=alert]')].map((a) => a.textContent)).toEqual(['Day required', 'rows must be at most 10000']);
  });

  test("shows the API's error and maps its field paths onto the fields", async () => {
    const onSubmit = async () => {
      throw new ApiError(400, 'validation_error', 'request is invalid', [{ path: 'parameters.day', message: 'must match format "date"' }]);
    };
    act(() => root.render(<SchemaForm schema={SCHEMA} submitLabel="Start run" onSubmit={onSubmit} />));
    act(() => type(input('Day'), 'yesterday'));
    await submit();
    expect(input('Day').getAttribute('aria-invalid')).toBe('true');
    expect(container.textContent).toContain('Day must match format "date"');
    expect(container.textContent).toContain('request is invalid');
    expect(container.textContent).toContain('parameters.day');
  });
});
