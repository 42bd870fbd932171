/** A LIKE pattern matching text that starts with `prefix`, taken literally: `%`, `_` and `\` in it match themselves. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
