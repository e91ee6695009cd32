import { formatIssuePath, type JsonValue, type NormalizedFlowSpec } from '../engine';
import { refusedLiteralUrl, type EgressPolicy } from '../shared/egress';
import type { ErrorDetail } from '../shared/errors';
import { hasTemplate, templateProblems } from '../shared/http-template';

function stringsOf(value: JsonValue | undefined, path: PropertyKey[], visit: (text: string, path: PropertyKey[]) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, i) => stringsOf(item, [...path, i], visit));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) stringsOf(item, [...path, key], visit);
}

/**
 * What registration refuses in http tasks: a URL the egress guard refuses whatever DNS says
 * (scheme, credentials, a refused literal address), templates outside the query string, and
 * templates naming an undeclared secret or something other than secrets/parameters.
 */
export function httpTaskIssues(spec: NormalizedFlowSpec, policy: EgressPolicy, pathPrefix = 'flow_spec'): ErrorDetail[] {
  const issues: ErrorDetail[] = [];
  spec.tasks.forEach((task, i) => {
    if (task.type !== 'http') return;
    const add = (path: PropertyKey[], message: string) => issues.push({ path: formatIssuePath(pathPrefix, ['tasks', i, 'request', ...path]), message });
    const check = (text: string, path: PropertyKey[]) => templateProblems(text, task.secrets).forEach((problem) => add(path, problem));
    const { url, headers, body } = task.request;
    const query = url.indexOf('?');
    if (hasTemplate(query === -1 ? url : url.slice(0, query))) add(['url'], 'templates are allowed only in the query string');
    else {
      const refused = refusedLiteralUrl(url, policy);
      if (refused !== null) add(['url'], refused);
    }
    if (query !== -1) check(url.slice(query), ['url']);
    for (const [name, value] of Object.entries(headers)) check(value, ['headers', name]);
    stringsOf(body, ['body'], check);
  });
  return issues;
}
