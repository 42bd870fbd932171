import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, isPrivateAddress, RefusedUrlError } from './url-safety.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    'not an address',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['203.0.113.7', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:db8::1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe('checkWebhookUrl', () => {
  const strict = { allowHttp: false, allowPrivate: false };

  it('answers the checked address of an IP literal to connect to', async () => {
    await expect(checkWebhookUrl('https://203.0.113.7:8443/hook', strict)).resolves.toMatchObject({ address: '203.0.113.7', family: 4 });
    await expect(checkWebhookUrl('https://[2001:db8::1]/hook', strict)).resolves.toMatchObject({ address: '2001:db8::1', family: 6 });
  });

  it('refuses localhost, whose name resolves to loopback, unless private addresses are allowed', async () => {
    await expect(checkWebhookUrl('https://localhost/hook', strict)).rejects.toBeInstanceOf(RefusedUrlError);
    await expect(checkWebhookUrl('https://localhost/hook', { allowHttp: false, allowPrivate: true })).resolves.toMatchObject({
      address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
    });
  });

  it.each(['ftp://203.0.113.7/', 'http://203.0.113.7/', 'javascript:alert(1)', '/relative', 'https://u:p@203.0.113.7/'])(
    'refuses %s',
    async (url) => {
      await expect(checkWebhookUrl(url, strict)).rejects.toBeInstanceOf(RefusedUrlError);
    },
  );
});
