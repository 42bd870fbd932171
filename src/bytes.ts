/**
 * A byte count as people write it: `1 MiB`, `256 KiB`, `1000 bytes`. `exact` adds the count
 * itself (`64 KiB (65536 bytes)`) where a client compares it with a size it measured in bytes.
 */
export function formatBytes(bytes: number, { exact = false }: { exact?: boolean } = {}): string {
  const unit =
    bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
      ? `${bytes / (1024 * 1024)} MiB`
      : bytes >= 1024 && bytes % 1024 === 0
        ? `${bytes / 1024} KiB`
        : undefined;
  if (unit === undefined) return `${bytes} bytes`;
  return exact ? `${unit} (${bytes} bytes)` : unit;
}
