/**
 * Structured JSON logs, one object per line. Values under sensitive keys are redacted so that no
 * password, token, key or secret value reaches a log line even when a caller logs a whole body.
 */
const SENSITIVE_KEY = /pass(word)?|secret|token|authorization|api_key|^key$|value|cookie|signature|zip_base64/i;

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SENSITIVE_KEY.test(k) && typeof v !== 'number' && typeof v !== 'boolean' ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export type LogSink = (line: string) => void;

export function createLogger(component: string, sink: LogSink = (line) => process.stdout.write(`${line}\n`)): Logger {
  const write = (level: string, message: string, fields?: LogFields) =>
    sink(JSON.stringify({ level, time: new Date().toISOString(), component, message, ...(redact(fields ?? {}) as LogFields) }));
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
