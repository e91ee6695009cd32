// Which IP addresses a tenant's outbound request may reach: public unicast only. Ranges come from
// ipaddr.js (its special-purpose registry); this file only decides, and names the reason.
import ipaddr from 'ipaddr.js';

/** Why an address is refused; `loopback` is the one kind the local platform's test flag allows. */
export interface AddressRefusal {
  kind: string;
  /** e.g. "a loopback address", "an IPv6 form of 127.0.0.1, a loopback address". */
  description: string;
  /** e.g. "127.0.0.1 is a loopback address". */
  reason: string;
}

const DESCRIPTION: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  linkLocal: 'a link-local address (instance and task metadata live there)',
  carrierGradeNat: 'a carrier-grade NAT (100.64.0.0/10) address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local (fc00::/7) address',
  deprecatedSiteLocal: 'a site-local (fec0::/10) address',
  teredo: 'a Teredo tunnel address',
};

const describe = (kind: string) => DESCRIPTION[kind] ?? `a special-purpose address (${kind})`;

function v4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, translated, NAT64, 6to4), if any. */
function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = address.parts;
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return v4FromParts(p[6]!, p[7]!);
    case '6to4':
      return v4FromParts(p[1]!, p[2]!);
    case 'unicast':
      // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks).
      return p.slice(0, 6).every((part) => part === 0) ? v4FromParts(p[6]!, p[7]!) : null;
    default:
      return null;
  }
}

function v4Refusal(address: ipaddr.IPv4): string | null {
  const range = address.range();
  return range === 'unicast' ? null : range;
}

/**
 * null for a public unicast address; otherwise the kind of range and a sentence naming it.
 * An IPv6 form that embeds an IPv4 address is judged by that IPv4 address, so
 * `::ffff:127.0.0.1` is loopback. Not an IP address at all is refused too.
 */
export function addressRefusal(ip: string): AddressRefusal | null {
  const bare = ip.replace(/^\[|\]$/g, '');
  const refused = (kind: string, description: string): AddressRefusal => ({ kind, description, reason: `${bare} is ${description}` });
  if (!ipaddr.isValid(bare)) return refused('invalid', 'not an IP address');
  const address = ipaddr.parse(bare);
  if (address.kind() === 'ipv4') {
    const kind = v4Refusal(address as ipaddr.IPv4);
    return kind === null ? null : refused(kind, describe(kind));
  }
  const v6 = address as ipaddr.IPv6;
  if (v6.zoneId !== undefined) return refused('linkLocal', describe('linkLocal'));
  const range = v6.range();
  if (range === 'loopback' || range === 'unspecified') return refused(range, describe(range));
  const v4 = embeddedV4(v6);
  if (v4 !== null) {
    const kind = v4Refusal(v4);
    return kind === null ? null : refused(kind, `an IPv6 form of ${v4.toString()}, ${describe(kind)}`);
  }
  return range === 'unicast' ? null : refused(range, describe(range));
}

/** The address to open a socket to: an IPv4-mapped IPv6 address as the IPv4 address it maps. */
export function connectAddress(ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, '');
  if (!ipaddr.IPv6.isValid(bare)) return bare;
  const address = ipaddr.IPv6.parse(bare);
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : bare;
}
