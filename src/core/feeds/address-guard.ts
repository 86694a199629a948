import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { FeedError } from './errors.js';

/**
 * Feeds are fetched from the open internet only: a feed URL, a redirect or a DNS answer that points
 * at the bot's own machine, its private network or a cloud metadata service is refused (SSRF).
 * The check runs on every address a hostname resolves to, right before connecting, and the socket
 * then connects to that checked address (no second lookup to rebind). A feed marked
 * `allow_private: true` in feeds.yaml skips it.
 */

const RANGES: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'ipv4', 'private network (10/8)'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT (100.64/10)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback (127/8)'],
  ['169.254.0.0', 16, 'ipv4', 'link-local / cloud metadata (169.254/16)'],
  ['172.16.0.0', 12, 'ipv4', 'private network (172.16/12)'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments (192.0.0/24)'],
  ['192.0.2.0', 24, 'ipv4', 'documentation (192.0.2/24)'],
  ['192.168.0.0', 16, 'ipv4', 'private network (192.168/16)'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking (198.18/15)'],
  ['198.51.100.0', 24, 'ipv4', 'documentation (198.51.100/24)'],
  ['203.0.113.0', 24, 'ipv4', 'documentation (203.0.113/24)'],
  ['224.0.0.0', 4, 'ipv4', 'multicast (224/4)'],
  ['240.0.0.0', 4, 'ipv4', 'reserved or broadcast (240/4)'],
  ['::', 128, 'ipv6', 'unspecified (::)'],
  ['::1', 128, 'ipv6', 'loopback (::1)'],
  ['100::', 64, 'ipv6', 'discard (100::/64)'],
  ['2001:db8::', 32, 'ipv6', 'documentation (2001:db8::/32)'],
  ['fc00::', 7, 'ipv6', 'unique local / private (fc00::/7)'],
  ['fe80::', 10, 'ipv6', 'link-local (fe80::/10)'],
  ['fec0::', 10, 'ipv6', 'site-local (fec0::/10)'],
  ['ff00::', 8, 'ipv6', 'multicast (ff00::/8)'],
];

const lists = RANGES.map(([net, prefix, type, label]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { list, type, label };
});

/** IPv6 forms that carry an IPv4 address in their last 32 bits: mapped (::ffff:a.b.c.d) and NAT64. */
const EMBEDS_V4 = /^(::ffff:|64:ff9b::)/i;

/** Why `address` (an IP literal) must not be fetched from, or undefined when it is a public address. */
export function blockedReason(address: string): string | undefined {
  const ip = address.replace(/^\[|\]$/g, '');
  const family = isIP(ip);
  if (family === 0) return `${address} is not an IP address`;
  if (family === 6) {
    const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    if (EMBEDS_V4.test(canonical)) {
      const [hi = 0, lo = 0] = canonical.split(':').slice(-2).map((g) => Number.parseInt(g, 16));
      const v4 = [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
      const inner = blockedReason(v4);
      return inner ? `${ip} embeds ${v4}: ${inner.replace(/^\S+ is /, '')}` : undefined;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const hit = lists.find((l) => l.type === type && l.list.check(ip, type));
  return hit ? `${ip} is ${hit.label}` : undefined;
}

/** Every address a hostname resolves to (IP literals resolve to themselves). */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface AddressGuard {
  resolve?: Resolver;
  /** Reason to refuse an address; default blockedReason. Tests may treat their loopback server as public. */
  blocked?: (address: string) => string | undefined;
}

/**
 * The address to connect to for `hostname`: its first resolved address, once every resolved address
 * has passed the check (one bad answer refuses the host: round-robin must not decide). Throws a
 * FeedError 'blocked-address' naming the host, the address and why.
 */
export async function checkedAddress(hostname: string, guard: AddressGuard = {}): Promise<string> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await (guard.resolve ?? systemResolver)(host);
  if (addresses.length === 0) throw new FeedError('network', `${host} has no address`);
  const blocked = guard.blocked ?? blockedReason;
  for (const address of addresses) {
    const reason = blocked(address);
    if (reason) {
      const via = address === host ? '' : `${host} resolves to ${address}: `;
      throw new FeedError('blocked-address', `${via}${reason}; only public addresses are fetched (allow_private: true in feeds.yaml allows this feed)`);
    }
  }
  return addresses[0]!;
}
