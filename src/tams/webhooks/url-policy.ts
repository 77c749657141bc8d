import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { AllowedHost } from '../../config.js';
import { badRequest } from '../../http/errors.js';

/**
 * Server-side request forgery: a webhook makes the store POST wherever a user says, so by
 * default it may only reach public unicast addresses. Checked when a webhook is registered
 * (a 400 that says why) and again for every delivery, on the addresses the connection is
 * actually made to (a name that resolved to a public address at registration may resolve to
 * 127.0.0.1 later: DNS rebinding). WEBHOOK_ALLOWED_HOSTS opens named hosts (`host` or
 * `host:port`, matched against the URL) to which none of this applies.
 */

const RANGES: [kind: string, family: 'ipv4' | 'ipv6', network: string, prefix: number][] = [
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['shared (carrier-grade NAT)', 'ipv4', '100.64.0.0', 10],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['link-local', 'ipv4', '169.254.0.0', 16],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['reserved (documentation)', 'ipv4', '192.0.2.0', 24],
  ['reserved (6to4 relay)', 'ipv4', '192.88.99.0', 24],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['reserved (benchmarking)', 'ipv4', '198.18.0.0', 15],
  ['reserved (documentation)', 'ipv4', '198.51.100.0', 24],
  ['reserved (documentation)', 'ipv4', '203.0.113.0', 24],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4],
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['IPv4-compatible (deprecated)', 'ipv6', '::', 96],
  ['reserved (NAT64 local use)', 'ipv6', '64:ff9b:1::', 48],
  ['reserved (discard)', 'ipv6', '100::', 64],
  ['reserved (IETF protocol assignments, Teredo)', 'ipv6', '2001::', 23],
  ['reserved (documentation)', 'ipv6', '2001:db8::', 32],
  ['6to4 (deprecated)', 'ipv6', '2002::', 16],
  ['unique-local', 'ipv6', 'fc00::', 7],
  ['link-local', 'ipv6', 'fe80::', 10],
  ['site-local (deprecated)', 'ipv6', 'fec0::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
];

const blockLists = RANGES.map(([kind, family, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { kind, family, list };
});

const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/** The last 32 bits of an IPv6 address, dotted (for NAT64 addresses, which embed an IPv4 one). */
function embeddedIpv4(address: string): string {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (dotted) return dotted.slice(1).join('.');
  const [head = '', tail] = address.split('::');
  const before = head ? head.split(':') : [];
  const after = tail ? tail.split(':') : [];
  const groups = tail === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  const [high = 0, low = 0] = groups.slice(-2).map((g) => parseInt(g, 16));
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * Why webhooks may not call this IP address (`loopback`, `private`...), or undefined for a public
 * unicast one. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) and NAT64 ones (`64:ff9b::7f00:1`)
 * are judged by the IPv4 address they carry.
 */
export function nonPublicKind(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  const version = isIP(bare);
  if (version === 0) return 'not an IP address';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (family === 'ipv6' && NAT64.check(bare, 'ipv6')) return nonPublicKind(embeddedIpv4(bare));
  // BlockList matches IPv4-mapped IPv6 addresses against the IPv4 rules itself.
  return blockLists.find((b) => (b.family === family || family === 'ipv6') && b.list.check(bare, family))?.kind;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}
export type Resolver = (hostname: string, family?: number) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = (hostname, family) => dnsLookup(hostname, { all: true, family: family ?? 0 });

/** A refused address: never retried differently, so worth saying exactly. */
export class SsrfRefusal extends Error {
  override name = 'SsrfRefusal';
}

export class UrlPolicy {
  constructor(
    private readonly allowedHosts: AllowedHost[],
    private readonly resolve: Resolver = systemResolver,
  ) {}

  /** Whether WEBHOOK_ALLOWED_HOSTS lists the URL's host (with any port, or this one). */
  isAllowed(url: URL): boolean {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return this.allowedHosts.some((h) => h.hostname === url.hostname && (h.port === undefined || h.port === port));
  }

  /** The URL of a webhook being registered, or a 400 saying why it may not be called. */
  async checkRegistration(raw: string): Promise<URL> {
    const url = parseWebhookUrl(raw);
    if (this.isAllowed(url)) return url;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    try {
      await this.addressesOf(host);
    } catch (err) {
      throw badRequest(`url: ${err instanceof SsrfRefusal ? err.message : `the host ${host} does not resolve`}`);
    }
    return url;
  }

  /**
   * The public addresses of a host (an IP literal is its own address); an SsrfRefusal when any
   * of them is not public, so a name cannot smuggle a private address in beside a public one.
   */
  async addressesOf(host: string, family?: number): Promise<ResolvedAddress[]> {
    const literal = isIP(host);
    const addresses = literal ? [{ address: host, family: literal }] : await this.resolve(host, family);
    if (addresses.length === 0) throw new Error(`${host} has no address`);
    for (const { address } of addresses) {
      const kind = nonPublicKind(address);
      if (kind) throw new SsrfRefusal(refusal(host, literal ? undefined : address, kind));
    }
    return addresses;
  }

  /**
   * For `http.request`: resolves, then lets the connection use only addresses that pass, so the
   * address connected to is one that was checked. IP literals never reach a lookup function:
   * `checkConnected` covers them.
   */
  lookupFor(url: URL): LookupFunction | undefined {
    if (this.isAllowed(url)) return undefined;
    return (hostname, options, callback) => {
      this.addressesOf(hostname, options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family as number | undefined)).then(
        (addresses) => {
          if (options.all) callback(null, addresses);
          else callback(null, addresses[0]!.address, addresses[0]!.family);
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 0),
      );
    };
  }

  /** The address a socket connected to, checked once more: throws an SsrfRefusal for a non-public one. */
  checkConnected(url: URL, remoteAddress: string | undefined): void {
    if (this.isAllowed(url)) return;
    const kind = remoteAddress === undefined ? 'unknown' : nonPublicKind(remoteAddress);
    if (kind) throw new SsrfRefusal(refusal(url.hostname, remoteAddress, kind));
  }
}

function refusal(host: string, resolved: string | undefined, kind: string): string {
  const what = resolved === undefined ? `${host} is` : `${host} resolves to`;
  return `${what} a ${kind} address; webhooks may only call public addresses (an administrator can allow specific hosts with WEBHOOK_ALLOWED_HOSTS)`;
}

/** http or https, absolute, without credentials (they belong in api_key_name and api_key_value). */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest(`url: "${raw.slice(0, 200)}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest(`url: only http and https URLs can receive webhooks, not ${url.protocol}`);
  if (url.username || url.password) throw badRequest('url: must not contain credentials; send them with api_key_name and api_key_value');
  return url;
}
