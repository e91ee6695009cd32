import type { HttpMethod, RouteDef } from './types';

export type RouteMatch =
  | { kind: 'found'; route: RouteDef; pathParameters: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: HttpMethod[] }
  | { kind: 'not_found' };

interface Compiled {
  route: RouteDef;
  regex: RegExp;
  names: string[];
}

/** Matches a concrete request path against API Gateway style templates ({name} = one segment). */
export function createRouteMatcher(routes: RouteDef[]): (method: string, path: string) => RouteMatch {
  const compiled: Compiled[] = routes.map((route) => {
    const names: string[] = [];
    const pattern = route.path
      .split('/')
      .map((segment) => {
        const m = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
        if (m) {
          names.push(m[1]!);
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    return { route, regex: new RegExp(`^${pattern}/?$`), names };
  });
  return (method, path) => {
    const allowed: HttpMethod[] = [];
    // Literal segments win over parameters (API Gateway's rule): try templates with fewer params first.
    const candidates = compiled.filter((c) => c.regex.test(path)).sort((a, b) => a.names.length - b.names.length);
    for (const c of candidates) {
      if (c.route.method !== method) {
        allowed.push(c.route.method);
        continue;
      }
      const m = c.regex.exec(path)!;
      const pathParameters: Record<string, string> = {};
      c.names.forEach((name, i) => (pathParameters[name] = decodeURIComponent(m[i + 1]!)));
      return { kind: 'found', route: c.route, pathParameters };
    }
    return allowed.length > 0 ? { kind: 'method_not_allowed', allowed: [...new Set(allowed)] } : { kind: 'not_found' };
  };
}
