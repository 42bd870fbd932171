import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirPermissionError, secureDataDir, type PermissionFs } from './data-dir-permissions.js';

/* Threat: another local user reading the database files, which hold the JWT secret and the encryption key. */
const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-perms-'));

describe('secureDataDir', () => {
  it('makes an existing directory and everything under it owner-only', () => {
    const dir = fresh();
    fs.mkdirSync(path.join(dir, 'pglite', 'pg_wal'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pglite', 'pg_wal', 'segment'), 'wal');
    fs.chmodSync(path.join(dir, 'pglite', 'pg_wal', 'segment'), 0o666);
    fs.chmodSync(path.join(dir, 'pglite'), 0o755);
    fs.chmodSync(dir, 0o755);
    secureDataDir(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'pglite')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'pglite', 'pg_wal', 'segment')).mode & 0o777).toBe(0o600);
  });

  it('creates a missing directory owner-only', () => {
    const dir = path.join(fresh(), 'a', 'data');
    secureDataDir(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses in one line when a mode cannot be set', () => {
    const dir = fresh();
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    fs.chmodSync(path.join(dir, 'file'), 0o644);
    const denied: PermissionFs = {
      ...fs,
      chmodSync: () => {
        throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
      },
    };
    expect(() => secureDataDir(dir, denied)).toThrow(DataDirPermissionError);
    expect(() => secureDataDir(dir, denied)).toThrow(/^cannot make .*file readable by its owner only \(EPERM\)[^\n]*$/);
  });

  it('refuses when the file system ignores chmod (a volume without Unix permissions)', () => {
    const dir = fresh();
    fs.chmodSync(dir, 0o755);
    const ignoring: PermissionFs = { lstatSync: fs.lstatSync, readdirSync: fs.readdirSync, chmodSync: () => {} };
    expect(() => secureDataDir(dir, ignoring)).toThrow(/the file system ignored chmod/);
  });
});
