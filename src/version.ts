import { createRequire } from 'node:module';

// package.json is one level up from both src/ and dist/.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const VERSION: string = pkg.version;
