import type { LogSink } from '../lambdas/shared/logger';

export interface FunctionLogOptions {
  /** Print each function log line as the JSON object CloudWatch would hold (npm start --json-logs). */
  json: boolean;
  write: (text: string) => void;
}

/** Keys printed in the line's fixed columns or not worth a terminal's width. */
const SHOWN_ELSEWHERE = new Set(['timestamp', 'level', 'service', 'message', 'org_id', 'run_id', 'task_name', 'sampling_rate', 'cold_start', 'function_request_id', 'xray_trace_id', 'error', 'stack']);

function stackOf(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as { stack?: unknown }).stack === 'string') return (value as { stack: string }).stack;
  return undefined;
}

/**
 * What the deployed stack writes to CloudWatch, the local platform writes to its terminal: each
 * function log line (Powertools JSON, see lambdas/shared/logger.ts) as one line of time, function,
 * level, org/run/task ids and message (other fields as compact JSON), and an error's stack under it.
 */
export function functionLogPrinter(options: FunctionLogOptions): LogSink {
  return (line) => {
    if (options.json) {
      options.write(`${line}\n`);
      return;
    }
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      options.write(`${line}\n`);
      return;
    }
    const time = typeof record.timestamp === 'string' ? record.timestamp.slice(11, 23) : new Date().toISOString().slice(11, 23);
    const ids = (['org_id', 'run_id', 'task_name'] as const)
      .filter((k) => typeof record[k] === 'string')
      .map((k) => `${k.replace('_id', '').replace('task_name', 'task')}=${String(record[k])}`);
    const rest = Object.fromEntries(Object.entries(record).filter(([k]) => !SHOWN_ELSEWHERE.has(k)));
    const error = record.error;
    const errorText = error === undefined ? [] : [typeof error === 'string' ? `error=${error}` : stackOf(error) === undefined ? `error=${JSON.stringify(error)}` : ''];
    const parts = [
      time,
      String(record.service ?? '-').padEnd(18),
      String(record.level ?? 'INFO').padEnd(5),
      ...ids,
      String(record.message ?? ''),
      ...(Object.keys(rest).length > 0 ? [JSON.stringify(rest)] : []),
      ...errorText.filter((t) => t !== ''),
    ];
    let text = `${parts.join(' ')}\n`;
    const stack = stackOf(error);
    if (stack !== undefined) text += `${stack.split('\n').map((l) => `    ${l.trimStart()}`).join('\n')}\n`;
    options.write(text);
  };
}
