/**
 * @simplewebauthn/server, loaded on the first ceremony rather than at start: loading it costs
 * about half a second of CPU, which every `sentinel` command (and every test process) would
 * otherwise pay without ever using it.
 */
let loaded: Promise<typeof import('@simplewebauthn/server')> | undefined;

export function webauthn(): Promise<typeof import('@simplewebauthn/server')> {
  loaded ??= import('@simplewebauthn/server');
  return loaded;
}
