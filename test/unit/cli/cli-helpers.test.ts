import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, readConfig, resolveTarget, writeConfig } from '../../../cli/config-store';
import { parseParameters, splitFlowRef } from '../../../cli/context';
import { CliError, formatApiError } from '../../../cli/errors';
import { progressBar } from '../../../cli/watch';

describe('CLI helpers', () => {
  it('prints the API error shape on one line with its field paths', () => {
    const body = { error: { code: 'validation_failed', message: 'invalid request', details: [{ path: 'flow_spec.tasks[0].name', message: 'required' }, { path: 'flow_version', message: 'too long' }] } };
    expect(formatApiError(400, body)).toBe('invalid request (400 validation_failed): flow_spec.tasks[0].name: required; flow_version: too long');
    expect(formatApiError(502, '<html>')).toBe('the API answered 502');
  });

  it('parses --param values as JSON when they are JSON, over a params file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagy-params-'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ day: '2026-01-01', rows: 3 }));
    expect(parseParameters(['rows=12', 'name=etl', 'tags=["a"]', 'on=true', 'eq=a=b'], join(dir, 'p.json'))).toEqual({ day: '2026-01-01', rows: 12, name: 'etl', tags: ['a'], on: true, eq: 'a=b' });
    expect(() => parseParameters(['novalue'])).toThrow('--param novalue: expected key=value');
    writeFileSync(join(dir, 'bad.json'), '[1]');
    expect(() => parseParameters([], join(dir, 'bad.json'))).toThrow('must hold a JSON object');
  });

  it('splits flow@version and leaves deployment names alone', () => {
    expect(splitFlowRef('etl@1.0.0')).toEqual({ flow_name: 'etl', flow_version: '1.0.0' });
    expect(splitFlowRef('nightly-etl')).toBeNull();
    expect(splitFlowRef('etl@')).toBeNull();
  });

  it('keeps profiles in XDG_CONFIG_HOME/dagy/config.json, mode 0600; --profile beats DAGY_URL/DAGY_API_KEY, which beat the current profile', () => {
    const home = mkdtempSync(join(tmpdir(), 'dagy-xdg-'));
    const env = { XDG_CONFIG_HOME: home };
    const path = configPath(env);
    expect(path).toBe(join(home, 'dagy', 'config.json'));
    writeConfig({ current_profile: 'a', profiles: { a: { url: 'http://a', api_key: 'ka' }, b: { url: 'http://b/', api_key: 'kb' } } }, path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readConfig(path).profiles.b).toEqual({ url: 'http://b/', api_key: 'kb' });
    expect(resolveTarget(undefined, env)).toEqual({ url: 'http://a', apiKey: 'ka', source: 'profile a' });
    expect(resolveTarget('b', { ...env, DAGY_URL: 'http://env', DAGY_API_KEY: 'kenv' })).toEqual({ url: 'http://b', apiKey: 'kb', source: 'profile b' });
    expect(resolveTarget(undefined, { ...env, DAGY_URL: 'http://env', DAGY_API_KEY: 'kenv' })).toEqual({ url: 'http://env', apiKey: 'kenv', source: 'environment' });
    expect(() => resolveTarget('missing', env)).toThrow(CliError);
    const empty = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'dagy-xdg-')) };
    expect(() => resolveTarget(undefined, empty)).toThrow('not logged in');
    expect(configPath({ DAGY_CONFIG_FILE: '/x/c.json', XDG_CONFIG_HOME: home })).toBe('/x/c.json');
  });

  it('draws a progress bar', () => {
    expect(progressBar(0, 5, 10)).toBe('[..........] 0/5');
    expect(progressBar(5, 5, 10)).toBe('[##########] 5/5');
    expect(progressBar(2, 4, 10)).toBe('[#####.....] 2/4');
  });
});
