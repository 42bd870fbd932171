import fs from 'node:fs';
import path from 'node:path';

/**
 * The data directory holds the database (with the generated JWT secret and encryption key)
 * and the bootstrap API key file: anyone who can read it can forge an operator's token.
 */
export class DataDirPermissionError extends Error {
  override name = 'DataDirPermissionError';
}

/** What secureDataDir needs of the file system; a test hands it a failing one. */
export interface PermissionFs {
  lstatSync(file: string): fs.Stats;
  chmodSync(file: string, mode: number): void;
  readdirSync(dir: string): string[];
}

const GROUP_OR_OTHER = 0o077;

/**
 * Creates `dir` if needed and makes it, and everything under it, owner-only (directories
 * 700, files 600), at every start: PGlite writes some files (its WAL) with the mode it
 * asks for, and a directory may have been made by hand with 755. A chmod that fails, or
 * that the file system ignores (some network and Windows volumes), stops the start with a
 * one-line message, rather than serving secrets others can read.
 */
export function secureDataDir(dir: string, files: PermissionFs = fs): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new DataDirPermissionError(`cannot create the data directory ${dir}: ${reason(error)}`);
  }
  makePrivate(dir, files, dir);
}

function makePrivate(file: string, files: PermissionFs, root: string): void {
  let stat: fs.Stats;
  try {
    stat = files.lstatSync(file);
  } catch (error) {
    // Gone since the directory was listed (PGlite removes temporary files): nothing to protect.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw refused(file, root, error);
  }
  // A symbolic link's own mode means nothing; what it points to is not ours to change. Sockets are made owner-only where they are created.
  if (stat.isSymbolicLink() || stat.isSocket()) return;
  if ((stat.mode & GROUP_OR_OTHER) !== 0) {
    try {
      files.chmodSync(file, stat.isDirectory() ? 0o700 : stat.mode & 0o700);
      if ((files.lstatSync(file).mode & GROUP_OR_OTHER) !== 0) throw new Error('the file system ignored chmod');
    } catch (error) {
      throw refused(file, root, error);
    }
  }
  if (stat.isDirectory()) {
    for (const name of files.readdirSync(file)) makePrivate(path.join(file, name), files, root);
  }
}

function refused(file: string, root: string, error: unknown): DataDirPermissionError {
  return new DataDirPermissionError(
    `cannot make ${file} readable by its owner only (${reason(error)}): run Sentinel as the user that owns ${root}, ` +
      `or keep the data directory on a file system with Unix permissions`,
  );
}

function reason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}
