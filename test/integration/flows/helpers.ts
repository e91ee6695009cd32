import { strToU8, zipSync } from 'fflate';
import type { Platform } from '../../../local/platform';
import { auditRecords } from '../../support/tables';

export { addMember, type Member } from '../../support/auth';
export { auditRecords, documentClient, scanAll } from '../../support/tables';

export function zipOf(files: Record<string, string>): Buffer {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[name] = strToU8(text);
  // A fixed entry time: the same files must give the same bytes (hence code_hash) whenever zipped.
  return Buffer.from(zipSync(entries, { mtime: FIXED_ZIP_TIME }));
}

const FIXED_ZIP_TIME = new Date('2026-01-01T00:00:00Z');

export const TASK_CODE = {
  'tasks/extract.js': 'export async function run() { return { rows: 3 }; }\n',
  'tasks/transform.js': 'export async function run({ inputs }) { return { rows: inputs.extract.rows * 2 }; }\n',
};

export function codeSpec() {
  return {
    tasks: [
      { name: 'extract', type: 'code', handler: 'tasks/extract.js:run', secrets: ['API_TOKEN'] },
      { name: 'transform', type: 'code', handler: 'tasks/transform.js:run' },
      { name: 'notify', type: 'http', trigger_rule: 'all_done', request: { method: 'POST', url: 'https://example.com/hook' } },
    ],
    edges: [
      { from: 'extract', to: 'transform' },
      { from: 'transform', to: 'notify' },
    ],
    outputs: { rows: 'transform.rows' },
  };
}

export function httpSpec(url = 'https://example.com/ping') {
  return { tasks: [{ name: 'ping', type: 'http', request: { method: 'GET', url } }] };
}

/** A POST /v1/flows body of a flow of code tasks with its ZIP inline. */
export function codeRegistration(flowName: string, flowVersion: string, extra: Record<string, unknown> = {}, files: Record<string, string> = TASK_CODE) {
  return {
    flow_name: flowName,
    flow_version: flowVersion,
    namespace: 'data/ingestion',
    tags: { team: 'data-eng' },
    default_executor: 'step-functions',
    flow_spec: codeSpec(),
    artifact: { zip_base64: zipOf(files).toString('base64') },
    ...extra,
  };
}

export function httpRegistration(flowName: string, flowVersion: string, extra: Record<string, unknown> = {}) {
  return { flow_name: flowName, flow_version: flowVersion, flow_spec: httpSpec(), ...extra };
}

/**
 * Runs a mutation and returns the audit records it added. Exactly-one checks go through this so
 * that a route writing none or two fails its test.
 */
export async function auditedBy<T>(platform: Platform, orgId: string, action: () => Promise<T>): Promise<{ result: T; records: Array<Record<string, any>> }> {
  const before = new Set((await auditRecords(platform, orgId)).map((r) => r.event_time as string));
  const result = await action();
  const records = (await auditRecords(platform, orgId)).filter((r) => !before.has(r.event_time as string));
  return { result, records };
}

export const parseJson = (text: string | null | undefined): any => (text === null || text === undefined ? null : JSON.parse(text));
