import { defineErrors } from '../../http/errors.js';

export const ImportErrors = defineErrors({
  unknownHashAlgorithm: { status: 400, title: 'Unknown hash algorithm' },
  invalidPasswordHash: { status: 400, title: 'The password hash does not parse for its algorithm' },
  /** The import file as a whole cannot be read (its CSV header, its format); bad rows are skipped instead. */
  unreadableFile: { status: 400, title: 'The import file cannot be read' },
  /** Names no account type: the answer must not tell which accounts hold imported hashes. */
  passwordChecksBusy: { status: 503, title: 'Too many password checks at once', headers: ['Retry-After'] },
});
