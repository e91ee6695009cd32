import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger as PowertoolsLogger, type LogItem } from '@aws-lambda-powertools/logger';
import { redact } from './redact';

/** Structured JSON logs (Powertools Logger), one object per line, sensitive values redacted (see redact.ts). */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Printed only at level DEBUG, or for the sampled share of invocations (POWERTOOLS_LOGGER_SAMPLE_RATE). */
  debug?(message: string, fields?: LogFields): void;
}

/** Where a host wants the JSON lines instead of stdout (the local platform, tests). */
export type LogSink = (line: string) => void;

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevelName = (typeof LEVELS)[number];

export function isLogLevel(value: string): value is LogLevelName {
  return (LEVELS as readonly string[]).includes(value);
}

/** The logging settings of a function, read from its environment (CDK sets them on every function). */
export interface LoggerSettings {
  serviceName: string;
  level: LogLevelName;
  /** Share (0..1) of invocations logged at DEBUG whatever the level. */
  sampleRate: number;
}

/**
 * Correlation keys of the invocation in progress (request id, org_id, run_id, task_name): set by the
 * runtime wrapper (lambdas/shared/instrument.ts) around each invocation. AsyncLocalStorage rather
 * than Powertools' appendKeys on a shared instance, because the local platform runs many
 * invocations of one function at once in one process.
 */
export const invocationKeys = new AsyncLocalStorage<LogFields>();

/** Powertools Logger printing to a sink when one is given (the local platform), else to stdout. */
class SinkLogger extends PowertoolsLogger {
  constructor(
    options: ConstructorParameters<typeof PowertoolsLogger>[0],
    private readonly sink: LogSink | undefined,
  ) {
    super(options);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (this.sink === undefined) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    this.sink(JSON.stringify(log.getAttributes()));
  }
}

function errorFields(fields: LogFields): LogFields {
  // An Error value logs its name, message and stack (JSON.stringify would print {}).
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}

export function createLogger(settings: LoggerSettings | string, sink?: LogSink): Logger {
  const s: LoggerSettings = typeof settings === 'string' ? { serviceName: settings, level: 'INFO', sampleRate: 0 } : settings;
  const pt = new SinkLogger({ serviceName: s.serviceName, logLevel: s.level, sampleRateValue: s.sampleRate }, sink);
  const write = (level: 'info' | 'warn' | 'error' | 'debug', message: string, fields?: LogFields) => {
    const keys = invocationKeys.getStore() ?? {};
    const extra = redact(errorFields({ ...keys, ...(fields ?? {}) })) as LogFields;
    pt[level](message, extra);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    debug: (m, f) => write('debug', m, f),
  };
}
