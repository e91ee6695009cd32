// UTC offsets of IANA zones from the runtime's ICU data (Intl), with one cached formatter per zone.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * True for names Intl knows (IANA names and links such as `Asia/Calcutta`, case-insensitive).
 * Offset strings (`+05:00`) are refused even where a newer runtime accepts them: they are not IANA.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '' || /^[+-]/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local wall clock at an instant, as seconds "as if the wall clock were UTC". */
export function wallSecondsAt(timeZone: string, epochSeconds: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochSeconds * 1000));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  const ms = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return ms / 1000;
}

/** Seconds east of UTC in effect at an (integer) instant. */
export function offsetSecondsAt(timeZone: string, epochSeconds: number): number {
  return wallSecondsAt(timeZone, epochSeconds) - epochSeconds;
}
