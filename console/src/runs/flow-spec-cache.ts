import { api } from '../api/client';
import { loadSession } from '../api/session';
import type { FlowSpec, FlowVersion } from '../api/types';

// The run page needs two things: the run and its flow version's spec (the DAG's edges). Read one
// after the other they cost two round trips. Both halves are safe to keep: a run never changes
// its flow version, and a flow version's spec is immutable (re-registering other code is a 409).
// So the flow of every run the console has listed or started is remembered, and the run page
// fetches the run and the spec at once (or takes the spec from here) when it knows the flow.

const STORE = 'dagy.flow-cache';
/** Bounds what sessionStorage holds: specs are at most 256 KB, usually a few. */
const MAX_SPECS = 30;
const MAX_RUNS = 500;

interface Stored {
  runs: Record<string, { flow_name: string; flow_version: string }>;
  specs: Record<string, FlowSpec>;
}

let memory: Stored | null = null;

/** One cache per organization: names are only unique within one. */
function scope(): string {
  const session = loadSession();
  if (session === null) return '';
  return session.org_id ?? `key:${session.token.slice(0, 24)}`;
}

function read(): Stored {
  if (memory !== null) return memory;
  try {
    const raw = sessionStorage.getItem(STORE);
    memory = raw === null ? { runs: {}, specs: {} } : (JSON.parse(raw) as Stored);
  } catch {
    memory = { runs: {}, specs: {} };
  }
  return memory;
}

function trim<T>(record: Record<string, T>, max: number): Record<string, T> {
  const keys = Object.keys(record);
  return keys.length <= max ? record : Object.fromEntries(keys.slice(keys.length - max).map((k) => [k, record[k]!]));
}

function write(next: Stored): void {
  memory = { runs: trim(next.runs, MAX_RUNS), specs: trim(next.specs, MAX_SPECS) };
  try {
    sessionStorage.setItem(STORE, JSON.stringify(memory));
  } catch {
    // Storage full or disabled: the memory copy still serves this page load.
  }
}

const runKey = (runId: string) => `${scope()}/${runId}`;
const specKey = (flowName: string, flowVersion: string) => `${scope()}/${flowName}@${flowVersion}`;

/** Records the flow of runs the console has seen (the runs list, a run it started). */
export function rememberRunFlows(runs: Array<{ run_id: string; flow_name: string; flow_version: string }>): void {
  const stored = read();
  let changed = false;
  const next = { ...stored.runs };
  for (const r of runs) {
    const key = runKey(r.run_id);
    if (next[key] === undefined) {
      next[key] = { flow_name: r.flow_name, flow_version: r.flow_version };
      changed = true;
    }
  }
  if (changed) write({ ...stored, runs: next });
}

export function knownRunFlow(runId: string): { flow_name: string; flow_version: string } | undefined {
  return read().runs[runKey(runId)];
}

/** A flow version's spec: from the cache, or read once and kept. */
export async function flowSpecOf(flowName: string, flowVersion: string): Promise<FlowSpec | undefined> {
  const key = specKey(flowName, flowVersion);
  const cached = read().specs[key];
  if (cached !== undefined) return cached;
  const flow = await api<FlowVersion>('GET', `/v1/flows/${encodeURIComponent(flowName)}/versions/${encodeURIComponent(flowVersion)}`);
  if (flow.flow_spec !== undefined) write({ ...read(), specs: { ...read().specs, [key]: flow.flow_spec } });
  return flow.flow_spec;
}
