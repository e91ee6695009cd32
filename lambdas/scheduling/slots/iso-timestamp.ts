// Strict ISO-8601 timestamps. Date.parse is too lenient (it rolls 2026-02-30 over to March and
// reads offset-less strings in the server's zone), so the format is checked field by field.

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Epoch milliseconds of an ISO-8601 timestamp that carries `Z` or a `±HH:MM` offset, or null when
 * the text is not one (no offset, impossible date, hour 24, leap second...).
 */
export function parseIsoTimestampMs(text: string): number | null {
  const m = ISO_WITH_OFFSET.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number, number, number, number, number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fractionMs = m[7] === undefined ? 0 : Number(m[7]) * 1000;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  }
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second) + fractionMs;
  return wallMs - offsetMinutes * 60_000;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DDTHH:mm:ss` of a wall-clock value expressed as "seconds as if UTC". */
function formatWall(wallSeconds: number): string {
  const d = new Date(wallSeconds * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** e.g. `2026-03-08T07:30:00Z` (whole seconds, no milliseconds). */
export function epochToUtcIso(epochSeconds: number): string {
  return `${formatWall(Math.floor(epochSeconds))}Z`;
}

/** e.g. `2026-03-08T03:30:00-04:00` for a wall clock and its UTC offset in seconds. */
export function formatLocalIso(epochSeconds: number, offsetSeconds: number): string {
  const whole = Math.floor(epochSeconds);
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  // Pre-1900 local mean times have offsets with seconds; ISO has no field for them, so append.
  const secs = abs % 60 === 0 ? '' : `:${pad(abs % 60)}`;
  return `${formatWall(whole + offsetSeconds)}${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}${secs}`;
}
