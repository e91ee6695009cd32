// What commands print. With --json, stdout holds exactly one JSON document and nothing else
// (progress and notes go to stderr); without it, plain aligned text.

export interface Output {
  readonly json: boolean;
  /** Prints the JSON document (--json) or calls plain() for the text form. */
  result(data: unknown, plain: () => void): void;
  line(text: string): void;
  /** A note for humans: stderr, so it never mixes with --json output. */
  note(text: string): void;
}

export function createOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    result(data, plain) {
      if (json) stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else plain();
    },
    line: (text) => stdout.write(`${text}\n`),
    note: (text) => stderr.write(`${text}\n`),
  };
}

/** Rows as aligned columns under a header. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** `1.2s`, `3m04s` from two ISO timestamps (now when the second is missing). */
export function duration(from: string | null | undefined, to: string | null | undefined, now: number = Date.now()): string {
  if (!from) return '-';
  const ms = (to ? Date.parse(to) : now) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
