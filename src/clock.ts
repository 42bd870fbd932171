/** The time source. Injected so tests can fix it (token expiry, TOTP steps). */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
