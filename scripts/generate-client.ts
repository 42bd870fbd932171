/**
 * `npm run client:generate`: builds the app in this process (no server, no port), takes the
 * document GET /openapi.json serves, and writes it and the openapi-typescript types into
 * packages/client. Run it after changing a route; commit both files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_FILES, clientFiles } from './client-files.js';

const { document, types } = await clientFiles();
mkdirSync(path.dirname(CLIENT_FILES.types), { recursive: true });
writeFileSync(CLIENT_FILES.document, document);
writeFileSync(CLIENT_FILES.types, types);
process.stderr.write(
  `Wrote ${path.relative(process.cwd(), CLIENT_FILES.document)} and ${path.relative(process.cwd(), CLIENT_FILES.types)}\n`,
);
