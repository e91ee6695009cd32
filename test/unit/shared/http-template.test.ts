import { renderTemplate, templateProblems, TemplateError } from '../../../lambdas/shared/http-template';

const values = { secrets: { TOKEN: 'abc' }, parameters: { day: '2026-11-29', n: 3, flag: false, obj: { a: [1, 2] }, list: ['x', 'y'] } };

test('renders secrets and parameters; non-strings as JSON; spaces inside braces are optional', () => {
  expect(renderTemplate('Bearer {{ secrets.TOKEN }}', values)).toBe('Bearer abc');
  expect(renderTemplate('{{parameters.day}}/{{ parameters.n }}/{{ parameters.flag }}', values)).toBe('2026-11-29/3/false');
  expect(renderTemplate('{{ parameters.obj }}', values)).toBe('{"a":[1,2]}');
  expect(renderTemplate('{{ parameters.obj.a.1 }} {{ parameters.list.0 }}', values)).toBe('2 x');
  expect(renderTemplate('no templates, { braces } kept', values)).toBe('no templates, { braces } kept');
});

test('encodes values, not the text around them', () => {
  expect(renderTemplate('?q={{ parameters.obj }}&d={{ parameters.day }}', values, encodeURIComponent)).toBe('?q=%7B%22a%22%3A%5B1%2C2%5D%7D&d=2026-11-29');
});

test('a value is substituted once: a value that looks like a template is not rendered again', () => {
  expect(renderTemplate('{{ parameters.x }}', { secrets: { TOKEN: 'abc' }, parameters: { x: '{{ secrets.TOKEN }}' } })).toBe('{{ secrets.TOKEN }}');
});

test('missing values and unknown expressions throw TemplateError', () => {
  expect(() => renderTemplate('{{ parameters.missing }}', values)).toThrow(new TemplateError('{{ parameters.missing }}: the run has no such parameter'));
  expect(() => renderTemplate('{{ parameters.day.length }}', values)).toThrow(TemplateError);
  expect(() => renderTemplate('{{ parameters.constructor }}', values)).toThrow(TemplateError);
  expect(() => renderTemplate('{{ secrets.OTHER }}', values)).toThrow('the task does not declare secret OTHER');
  expect(() => renderTemplate('{{ 1 + 1 }}', values)).toThrow('unknown template {{ 1 + 1 }}');
});

test('templateProblems names undeclared secrets and unknown expressions', () => {
  expect(templateProblems('{{ secrets.A }} {{ parameters.x.y }}', ['A'])).toEqual([]);
  expect(templateProblems('{{ secrets.B }}', ['A'])).toEqual(['references secret B, which the task does not declare in its secrets']);
  expect(templateProblems('{{ env.HOME }}', [])).toEqual(['unknown template {{ env.HOME }}: use {{ secrets.NAME }} or {{ parameters.path }}']);
});
