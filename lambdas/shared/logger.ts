import { redact } from './redact';

/** Structured JSON logs, one object per line, with sensitive values redacted (see redact.ts). */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
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
