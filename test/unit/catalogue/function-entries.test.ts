import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS } from '../../../lambdas/catalogue';
import { createTracer } from '../../../lambdas/shared/tracer';

// Every Lambda entry of the functions catalogue builds its handler with the shared lambdaHandler
// (lambdas/shared/lambda-entry.ts): instrumentedFunction (request ids and correlation keys in every
// log line, escaped errors logged with their stack) and the X-Ray tracer. The local platform wraps
// factories itself, so a bare entry would only show in AWS: this keeps it true for every function,
// present and future.

const ROOT = join(__dirname, '../../..');
const wrapped: Array<{ factory: unknown; env: unknown; tracer: unknown }> = [];

jest.mock('../../../lambdas/shared/instrument', () => ({
  // Records what the entry wraps instead of building it (no configuration is needed to load it).
  instrumentedFunction: (factory: unknown, env: unknown, deps: { tracer?: unknown }) => {
    wrapped.push({ factory, env, tracer: deps.tracer });
    return { wrappedFactory: factory };
  },
}));

const entries = Object.values(FUNCTIONS).map((def) => [def.name, def.entry] as const);
/** What loading each entry file wrapped (an entry shared by two functions loads once). */
const loaded = new Map<string, { wrapped: typeof wrapped; handler: unknown }>();
function load(entry: string): { wrapped: typeof wrapped; handler: unknown } {
  if (!loaded.has(entry)) {
    wrapped.length = 0;
    const mod = require(join(ROOT, entry)) as { handler: unknown };
    loaded.set(entry, { wrapped: [...wrapped], handler: mod.handler });
  }
  return loaded.get(entry)!;
}

describe('Lambda entries of the functions catalogue', () => {
  it('the catalogue names entries', () => {
    expect(entries.length).toBeGreaterThan(10);
  });

  it.each(entries)('%s (%s) exports lambdaHandler(factory) as its handler', (_name, entry) => {
    const source = readFileSync(join(ROOT, entry), 'utf8');
    expect(source).toMatch(/^export const handler = lambdaHandler\(\w+\);$/m);
    // Loading the entry wraps exactly one factory, with process.env and the tracer, and exports the result.
    const { wrapped: calls, handler } = load(entry);
    expect(calls).toHaveLength(1);
    expect(typeof calls[0]!.factory).toBe('function');
    expect(calls[0]!.env).toBe(process.env);
    expect(calls[0]!.tracer).toBe(createTracer);
    expect(handler).toEqual({ wrappedFactory: calls[0]!.factory });
  });
});
