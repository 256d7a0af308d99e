import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

// IPv4-compatible IPv6 (::a.b.c.d, deprecated by RFC 4291): ipaddr.js calls it unicast, but a stack or a translator on
// the way may carry it to the IPv4 address it embeds, loopback and private ones included. :: and ::1 have ranges of their own.
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

interface AllowEntry {
  range: [Address, number];
  port?: number;
}

/**
 * Which addresses outbound requests may reach: public unicast only, unless the allow-list names
 * the address (optionally with its port) or a range holding it. Private, loopback, link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, unique-local, IPv4-compatible IPv6 and reserved ranges are refused.
 */
export class AddressPolicy {
  private readonly allowed: AllowEntry[];

  /** `allowList`: comma-separated `10.0.0.0/8`, `127.0.0.1`, `127.0.0.1:8080` or `[::1]:8080` entries. */
  constructor(allowList: string) {
    this.allowed = allowList
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map(parseAllowEntry);
  }

  /** Why the address is refused, or undefined when it may be reached. */
  refusal(address: string, port: number): string | undefined {
    if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
    let parsed: Address = ipaddr.parse(address);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    if (this.allowed.some((entry) => (entry.port === undefined || entry.port === port) && sameKind(parsed, entry.range[0]) && parsed.match(entry.range))) return undefined;
    const range = parsed.range() === 'unicast' && parsed.kind() === 'ipv6' && parsed.match(IPV4_COMPATIBLE) ? 'ipv4Compatible' : parsed.range();
    return range === 'unicast' ? undefined : `${address} is ${rangeInWords(range)} address (allow it in NOTIFIER_OUTBOUND_ALLOW if it is meant)`;
  }

  /**
   * Why a name resolving to `addresses` is refused, naming the first refused one: any refused
   * address refuses the name, as a connection may go to any of them (and its answer may change).
   * Checked when a subscription is made and on every request, so what one takes the other sends.
   */
  resolvedRefusal(addresses: readonly string[], port: number): string | undefined {
    return addresses.map((address) => this.refusal(address, port)).find((refusal) => refusal !== undefined);
  }
}

// ipaddr.js names ranges in camelCase (linkLocal, carrierGradeNat); a person reads words, with their article.
const RANGE_WORDS: Record<string, string> = {
  linkLocal: 'a link-local',
  carrierGradeNat: 'a carrier-grade NAT',
  uniqueLocal: 'a unique-local',
  ipv4Mapped: 'an IPv4-mapped',
  ipv4Compatible: 'an IPv4-compatible',
  unspecified: 'an unspecified',
};

function rangeInWords(range: string): string {
  const words = range.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return RANGE_WORDS[range] ?? `${/^[aeio]/.test(words) ? 'an' : 'a'} ${words}`;
}
function sameKind(a: Address, b: Address): boolean {
  return a.kind() === b.kind();
}

function parseAllowEntry(entry: string): AllowEntry {
  const invalid = () => new Error(`NOTIFIER_OUTBOUND_ALLOW entry "${entry}" is not an address, a CIDR range or address:port`);
  if (entry.includes('/')) {
    if (!ipaddr.isValidCIDR(entry)) throw invalid();
    return { range: ipaddr.parseCIDR(entry) };
  }
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(entry);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(entry);
  const [address, port] = bracketed ? [bracketed[1], Number(bracketed[2])] : v4WithPort ? [v4WithPort[1], Number(v4WithPort[2])] : [entry, undefined];
  if (!ipaddr.isValid(address)) throw invalid();
  const parsed = ipaddr.parse(address);
  return { range: [parsed, parsed.kind() === 'ipv4' ? 32 : 128], port };
}
