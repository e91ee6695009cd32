// Orders flow versions: semantic versions by precedence (semver.org §11: 1.2.0 < 1.10.0, and
// 1.0.0-rc.1 < 1.0.0), then every other version string after them in code-unit order.

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

interface SemVer {
  core: [string, string, string];
  pre: string[];
}

function parse(version: string): SemVer | null {
  const m = SEMVER.exec(version);
  if (m === null) return null;
  return { core: [m[1]!, m[2]!, m[3]!], pre: m[4] === undefined ? [] : m[4].split('.') };
}

/** Digit strings without leading zeros compare by length, then lexically: no overflow at any size. */
function compareNumeric(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

const isNumeric = (s: string) => /^\d+$/.test(s);

function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // no pre-release ranks higher
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const nx = isNumeric(x);
    const ny = isNumeric(y);
    if (nx && ny) return compareNumeric(x, y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareFlowVersions(a: string, b: string): number {
  const sa = parse(a);
  const sb = parse(b);
  if (sa === null || sb === null) {
    if (sa !== sb) return sa === null ? 1 : -1;
    return compareStrings(a, b);
  }
  for (let i = 0; i < 3; i++) {
    const c = compareNumeric(sa.core[i]!, sb.core[i]!);
    if (c !== 0) return c;
  }
  const c = comparePre(sa.pre, sb.pre);
  // Equal precedence (build metadata differs): fall back to the string so the order is total.
  return c !== 0 ? Math.sign(c) : compareStrings(a, b);
}
