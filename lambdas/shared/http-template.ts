// The small template language of HTTP tasks: `{{ secrets.NAME }}` and `{{ parameters.a.b }}` in
// header values, the query string and body string values. Plain substitution, no evaluation, so
// credentials need not sit in clear in a flow spec. Checked at registration (flows) and rendered
// per attempt (the task runner), from this one definition.

const TEMPLATE = /\{\{([^{}]*)\}\}/g;
const SECRET = /^secrets\.([A-Za-z_][A-Za-z0-9_]*)$/;
const PARAMETER = /^parameters((?:\.[A-Za-z0-9_-]+)+)$/;

export type TemplateRef = { kind: 'secret'; name: string } | { kind: 'parameter'; path: string[] };

function parseRef(expression: string): TemplateRef | null {
  const text = expression.trim();
  const secret = SECRET.exec(text);
  if (secret) return { kind: 'secret', name: secret[1]! };
  const parameter = PARAMETER.exec(text);
  if (parameter) return { kind: 'parameter', path: parameter[1]!.slice(1).split('.') };
  return null;
}

/** What is wrong with the templates of one string (empty when nothing). */
export function templateProblems(text: string, declaredSecrets: readonly string[]): string[] {
  const problems: string[] = [];
  for (const match of text.matchAll(TEMPLATE)) {
    const ref = parseRef(match[1]!);
    if (ref === null) problems.push(`unknown template ${match[0]}: use {{ secrets.NAME }} or {{ parameters.path }}`);
    else if (ref.kind === 'secret' && !declaredSecrets.includes(ref.name)) {
      problems.push(`references secret ${ref.name}, which the task does not declare in its secrets`);
    }
  }
  return problems;
}

export const hasTemplate = (text: string) => /\{\{[^{}]*\}\}/.test(text);

export class TemplateError extends Error {}

export interface TemplateValues {
  secrets: Readonly<Record<string, string>>;
  parameters: Readonly<Record<string, unknown>>;
}

function lookup(ref: TemplateRef, values: TemplateValues): string {
  if (ref.kind === 'secret') {
    const value = values.secrets[ref.name];
    if (value === undefined) throw new TemplateError(`{{ secrets.${ref.name} }}: the task does not declare secret ${ref.name}`);
    return value;
  }
  let value: unknown = values.parameters;
  for (const segment of ref.path) {
    value = typeof value === 'object' && value !== null && Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  if (value === undefined) throw new TemplateError(`{{ parameters.${ref.path.join('.')} }}: the run has no such parameter`);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Substitutes every template of `text`; `encode` escapes each value (e.g. for a query string). */
export function renderTemplate(text: string, values: TemplateValues, encode: (value: string) => string = (v) => v): string {
  return text.replace(TEMPLATE, (whole, expression: string) => {
    const ref = parseRef(expression);
    if (ref === null) throw new TemplateError(`unknown template ${whole}`);
    return encode(lookup(ref, values));
  });
}
