// The guard's address and URL rules over a table of known bypasses. Nothing here opens a socket:
// every refused case is refused before any connection.
import { addressRefusal, EgressRefusedError, egressPolicyFromEnv, guardedFetch, refusedLiteralUrl, type Resolver } from '../../../../lambdas/shared/egress';

const strict = { allowLoopbackHttp: false };
const loopbackFlag = { allowLoopbackHttp: true };
const noDns: Resolver = async (host) => {
  throw new Error(`no DNS expected, asked for ${host}`);
};
const request = { method: 'GET', timeoutMs: 2000, maxResponseBytes: 1024 };

const LOOPBACK_FORMS: Array<[string, string]> = [
  ['https://[::ffff:127.0.0.1]/', 'egress refused: https://[::ffff:7f00:1]: ::ffff:7f00:1 is an IPv6 form of 127.0.0.1, a loopback address'],
  ['https://[::ffff:7f00:1]/', 'egress refused: https://[::ffff:7f00:1]: ::ffff:7f00:1 is an IPv6 form of 127.0.0.1, a loopback address'],
  ['https://2130706433/', 'egress refused: https://127.0.0.1: 127.0.0.1 is a loopback address'],
  ['https://0x7f000001/', 'egress refused: https://127.0.0.1: 127.0.0.1 is a loopback address'],
  ['https://0177.0.0.1/', 'egress refused: https://127.0.0.1: 127.0.0.1 is a loopback address'],
  ['https://127.1/', 'egress refused: https://127.0.0.1: 127.0.0.1 is a loopback address'],
  ['https://127.0.0.1:9229/json', 'egress refused: https://127.0.0.1:9229: 127.0.0.1 is a loopback address'],
  ['https://[::1]/', 'egress refused: https://[::1]: ::1 is a loopback address'],
  ['https://[::127.0.0.1]/', 'egress refused: https://[::7f00:1]: ::7f00:1 is an IPv6 form of 127.0.0.1, a loopback address'],
  ['https://[2002:7f00:1::]/', 'egress refused: https://[2002:7f00:1::]: 2002:7f00:1:: is an IPv6 form of 127.0.0.1, a loopback address'],
];

const OTHER_REFUSED: Array<[string, RegExp]> = [
  ['https://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
  ['https://169.254.170.2/v2/credentials', /169\.254\.170\.2 is a link-local address/],
  ['https://[fe80::1]/', /fe80::1 is a link-local address/],
  ['https://[fc00::1]/', /fc00::1 is a unique-local/],
  ['https://[fd12:3456::1]/', /unique-local/],
  ['https://100.64.0.1/', /100\.64\.0\.1 is a carrier-grade NAT/],
  ['https://10.0.0.1/', /10\.0\.0\.1 is a private \(RFC 1918\) address/],
  ['https://172.16.0.1/', /private/],
  ['https://192.168.1.1/', /private/],
  ['https://0.0.0.0/', /0\.0\.0\.0 is an unspecified address/],
  ['https://0.1.2.3/', /unspecified/],
  ['https://[::]/', /:: is an unspecified address/],
  ['https://255.255.255.255/', /broadcast/],
  ['https://224.0.0.1/', /multicast/],
  ['https://[ff02::1]/', /multicast/],
  ['https://240.0.0.1/', /reserved/],
  ['https://[::ffff:169.254.169.254]/', /an IPv6 form of 169\.254\.169\.254, a link-local address/],
  ['https://[::ffff:10.0.0.1]/', /an IPv6 form of 10\.0\.0\.1, a private/],
  ['https://[64:ff9b::a9fe:a9fe]/', /an IPv6 form of 169\.254\.169\.254, a link-local/],
  ['https://[2001::1]/', /Teredo/],
];

describe('literal addresses', () => {
  it.each(LOOPBACK_FORMS)('%s is loopback, refused without the flag', async (url, message) => {
    expect(refusedLiteralUrl(url, strict)).toBe(message);
    await expect(guardedFetch(url, request, strict, noDns)).rejects.toThrow(new EgressRefusedError(message.replace(/^egress refused: [^ ]+: /, ''), message.split(' ')[2]!.replace(/:$/, '')));
  });

  it.each(OTHER_REFUSED)('%s is refused, with the flag too', async (url, reason) => {
    for (const policy of [strict, loopbackFlag]) {
      expect(refusedLiteralUrl(url, policy)).toMatch(reason);
      await expect(guardedFetch(url, request, policy, noDns)).rejects.toBeInstanceOf(EgressRefusedError);
    }
  });

  it('public unicast addresses pass, IPv6 forms embedding a public IPv4 address too', () => {
    for (const ip of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) {
      expect({ ip, refusal: addressRefusal(ip) }).toEqual({ ip, refusal: null });
    }
    expect(refusedLiteralUrl('https://8.8.8.8/dns-query', strict)).toBeNull();
    expect(refusedLiteralUrl('https://api.example.com/v1', strict)).toBeNull();
  });

  it('the flag lets loopback through, nothing else', () => {
    expect(refusedLiteralUrl('http://127.0.0.1:8080/', loopbackFlag)).toBeNull();
    expect(refusedLiteralUrl('http://[::ffff:127.0.0.1]:8080/', loopbackFlag)).toBeNull();
    expect(refusedLiteralUrl('http://8.8.8.8/', loopbackFlag)).toMatch(/8\.8\.8\.8 is not a loopback address \(http is allowed only to loopback/);
  });
});

describe('schemes and credentials', () => {
  it('http is refused without the flag, before any DNS lookup', async () => {
    expect(refusedLiteralUrl('http://api.example.com/', strict)).toBe('egress refused: http://api.example.com: http is not allowed (https only)');
    await expect(guardedFetch('http://api.example.com/', request, strict, noDns)).rejects.toThrow('http is not allowed (https only)');
  });

  it('other schemes and credentials in the URL are refused', async () => {
    expect(refusedLiteralUrl('ftp://files.example.com/x', loopbackFlag)).toMatch(/the ftp scheme is not allowed/);
    expect(refusedLiteralUrl('file:///etc/passwd', loopbackFlag)).toMatch(/the file scheme is not allowed/);
    expect(refusedLiteralUrl('https://user:pw@api.example.com/', strict)).toMatch(/credentials in the URL are not allowed/);
    expect(refusedLiteralUrl('https://user@api.example.com/', strict)).toMatch(/credentials in the URL are not allowed/);
    expect(refusedLiteralUrl('not a url', strict)).toBe('egress refused: not an absolute URL');
    await expect(guardedFetch('https://user:pw@api.example.com/', request, strict, noDns)).rejects.toBeInstanceOf(EgressRefusedError);
  });
});

describe('names', () => {
  it('a name resolving to a refused address is refused, even when other answers are public', async () => {
    await expect(guardedFetch('https://sneaky.example/', request, strict, async () => ['127.0.0.1'])).rejects.toThrow(
      'egress refused: https://sneaky.example: sneaky.example resolves to 127.0.0.1, a loopback address',
    );
    await expect(guardedFetch('https://mixed.example/', request, strict, async () => ['8.8.8.8', '169.254.169.254'])).rejects.toThrow(/resolves to 169\.254\.169\.254, a link-local address/);
    await expect(guardedFetch('https://mapped.example/', request, strict, async () => ['::ffff:127.0.0.1'])).rejects.toThrow(/resolves to ::ffff:127\.0\.0\.1, an IPv6 form of 127\.0\.0\.1, a loopback address/);
  });

  it('localhost, through the system resolver, is refused', async () => {
    await expect(guardedFetch('https://localhost:9229/json', request, strict)).rejects.toThrow(/localhost resolves to \S+, a loopback address/);
  });

  it('a name that does not resolve fails with the name', async () => {
    await expect(guardedFetch('https://nowhere.example/', request, strict, async () => [])).rejects.toThrow('nowhere.example does not resolve');
  });
});

describe('egressPolicyFromEnv', () => {
  const name = 'DAGY_EGRESS_ALLOW_LOOPBACK_HTTP';
  it('absent, empty or false is the strict policy; true only on the local stage', () => {
    expect(egressPolicyFromEnv({ DAGY_STAGE: 'prod' })).toEqual({ allowLoopbackHttp: false });
    expect(egressPolicyFromEnv({ DAGY_STAGE: 'local', [name]: '' })).toEqual({ allowLoopbackHttp: false });
    expect(egressPolicyFromEnv({ DAGY_STAGE: 'local', [name]: 'false' })).toEqual({ allowLoopbackHttp: false });
    expect(egressPolicyFromEnv({ DAGY_STAGE: 'local', [name]: 'true' })).toEqual({ allowLoopbackHttp: true });
  });
  it('true on a deployed stage, or any other value, is a configuration error', () => {
    expect(() => egressPolicyFromEnv({ DAGY_STAGE: 'prod', [name]: 'true' })).toThrow(/allowed only on the local platform/);
    expect(() => egressPolicyFromEnv({ DAGY_STAGE: 'local', [name]: 'yes' })).toThrow(/must be "true" or "false", got "yes"/);
  });
});
