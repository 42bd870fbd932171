import fs from 'node:fs';

/** A password hash made by a standard tool, and the password behind it. */
export interface HashFixture {
  algorithm: string;
  password: string;
  password_hash: string;
  tool: string;
  salt?: string;
  salt_position?: string;
}

/** Made by openssl passwd -1, htpasswd -nbB, Python's bcrypt and hashlib (test/fixtures/hashes/generate.py), never by Sentinel. */
export const hashFixtures = JSON.parse(
  fs.readFileSync(new URL('../fixtures/hashes/hashes.json', import.meta.url), 'utf8'),
) as HashFixture[];
