import { HttpErrors, type AppError } from '../../http/errors.js';
import { ProfileErrors } from './errors.js';
import type { ProfileKey } from './profiles-repository.js';

/** A profile's ETag: its version, quoted (a strong validator: the same version is the same bytes). */
export function etagOf(version: number): string {
  return `"${version}"`;
}

function tagsOf(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/**
 * If-Match (RFC 9110 13.1.1): absent, `*`, or a list holding the current ETag lets the write
 * through. Strong comparison, so a weak `W/"3"` never matches.
 */
export function assertIfMatch(header: string | undefined, version: number): void {
  if (header === undefined) return;
  const tags = tagsOf(header);
  if (tags.includes('*') || tags.includes(etagOf(version))) return;
  // The current ETag rides along, so a client can tell how far behind it is.
  throw HttpErrors.preconditionFailed(`The profile is at version ${version}, not ${header.trim()}: read it again, then retry`, undefined, {
    ETag: etagOf(version),
  });
}

/** If-None-Match on reads (weak comparison): true when the client's copy is current. */
export function ifNoneMatchHits(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const tags = tagsOf(header).map((tag) => tag.replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(etagOf(version));
}

/**
 * The answer for a profile that does not exist: 404, or 412 when the write was conditional.
 * RFC 9110 13.1.1: If-Match (even `*`) is false when there is no current representation, so
 * a client that meant "only if it is still as I saw it" learns that it is not. No ETag: there
 * is no current version to send.
 */
export function missingProfile(key: ProfileKey, ifMatch: string | undefined): AppError {
  if (ifMatch === undefined) return ProfileErrors.profileNotFound(`No profile ${key.id} for this user in app ${key.appId}`);
  return HttpErrors.preconditionFailed(`No profile ${key.id} for this user in app ${key.appId}: If-Match cannot hold`);
}
