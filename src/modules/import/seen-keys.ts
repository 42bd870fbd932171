/**
 * "Might this email or username have appeared earlier in the file?" in fixed memory: a Bloom
 * filter. It never says no for a key it was given (so a repeated key is always caught) and
 * rarely says yes for a new one (then the importer only waits when it need not). Its size
 * does not grow with the file: past a few million rows it answers yes more often and the
 * import becomes sequential, never wrong.
 */
export class SeenKeys {
  private readonly bits: Uint32Array;
  private readonly mask: number;

  /** @param log2Bits filter size: 2^27 bits = 16 MiB. */
  constructor(
    log2Bits = 27,
    private readonly hashes = 8,
  ) {
    this.bits = new Uint32Array(2 ** (log2Bits - 5));
    this.mask = 2 ** log2Bits - 1;
  }

  /** Records `key` and answers whether it may have been recorded before. */
  add(key: string): boolean {
    // Two independent 32-bit hashes (FNV-1a with different seeds), combined as h1 + i * h2.
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ key.length;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h2 |= 1;
    let seen = true;
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if ((this.bits[word]! & flag) === 0) {
        seen = false;
        this.bits[word]! |= flag;
      }
    }
    return seen;
  }
}
