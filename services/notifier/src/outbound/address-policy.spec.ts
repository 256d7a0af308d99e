import { describe, expect, it } from 'vitest';
import { AddressPolicy } from './address-policy';

describe('AddressPolicy', () => {
  const strict = new AddressPolicy('');

  it('lets public unicast addresses through', () => {
    expect(strict.refusal('93.184.215.14', 443)).toBeUndefined();
    expect(strict.refusal('2606:2800:21f:cb07:6820:80da:af6b:8b2c', 443)).toBeUndefined();
  });

  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.100.100.200', '0.0.0.0', '::1', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1'])(
    'refuses %s',
    (address) => expect(strict.refusal(address, 80)).toMatch(/address/),
  );

  // ::/96 embeds an IPv4 address a stack or translator may reach instead: http://[::127.0.0.1]/ (kept as [::7f00:1]) was taken as
  // public unicast. Written as the URL parser and the resolver give them (ipaddr.js reads a dotted ::a.b.c.d as IPv4-mapped).
  it.each(['::7f00:1', '::a9fe:a9fe', '::a00:1', '::808:808', '::2', '::ffff:ffff'])('refuses the IPv4-compatible %s, naming it so', (address) =>
    expect(strict.refusal(address, 80)).toBe(`${address} is an IPv4-compatible address (allow it in NOTIFIER_OUTBOUND_ALLOW if it is meant)`),
  );

  it('still names :: and ::1, inside ::/96, as unspecified and loopback', () => {
    expect(strict.refusal('::', 80)).toMatch(/^:: is an unspecified address/);
    expect(strict.refusal('::1', 80)).toMatch(/^::1 is a loopback address/);
  });

  it('names the range in words, with its article', () => {
    expect(strict.refusal('169.254.169.254', 80)).toBe('169.254.169.254 is a link-local address (allow it in NOTIFIER_OUTBOUND_ALLOW if it is meant)');
    expect(strict.refusal('0.0.0.0', 80)).toMatch(/^0\.0\.0\.0 is an unspecified address /);
    expect(strict.refusal('100.100.100.200', 80)).toMatch(/is a carrier-grade NAT address/);
    expect(strict.refusal('fd00:ec2::254', 80)).toMatch(/is a unique-local address/);
  });

  it('allows exactly what the allow-list names, with its port when given', () => {
    const policy = new AddressPolicy('127.0.0.1:8080, 10.0.0.0/8, [::1]:9000');
    expect(policy.refusal('127.0.0.1', 8080)).toBeUndefined();
    expect(policy.refusal('127.0.0.1', 8081)).toMatch(/loopback/);
    expect(policy.refusal('10.9.9.9', 1)).toBeUndefined();
    expect(policy.refusal('::1', 9000)).toBeUndefined();
    expect(policy.refusal('192.168.0.1', 80)).toMatch(/private/);
  });

  it('names a wrong allow-list entry', () => {
    expect(() => new AddressPolicy('localhost')).toThrow(/"localhost"/);
  });
});
