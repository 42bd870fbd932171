import { useState, type FormEvent } from 'react';
import { ok } from '../api.js';
import { ErrorBox, useAction } from '../components.js';
import { useApi } from '../context.js';
import { parseImportFile, type ImportRow } from '../import-file.js';
import type { Answer } from '../types.js';

type Result = Answer<'importUsers', 200>['results'][number];
/** Rows per request: a progress step each, far below the server's limit. */
const BATCH = 500;

/** Uploads a CSV or JSON Lines file of users in batches, with progress and a report of the skipped rows. */
export function Import() {
  const api = useApi();
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [counts, setCounts] = useState<{ created: number; skipped: number } | null>(null);
  const [skipped, setSkipped] = useState<{ line: number; reason: string; detail: string }[]>([]);
  const { error, busy, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    void run(async () => {
      const rows = parseImportFile(file.name, await file.text());
      const report: { line: number; reason: string; detail: string }[] = rows
        .filter((row) => 'malformed' in row)
        .map((row) => ({ line: row.line, reason: 'malformed', detail: (row as { malformed: string }).malformed }));
      const items = rows.filter((row): row is Extract<ImportRow, { item: unknown }> => 'item' in row);
      let created = 0;
      setSkipped([]);
      setProgress({ done: 0, total: items.length });
      for (let start = 0; start < items.length; start += BATCH) {
        const batch = items.slice(start, start + BATCH);
        const answer = await ok(
          api.POST('/operator/users/import', {
            params: { query: { dry_run: dryRun } },
            body: { users: batch.map((row) => row.item as Record<string, never>) },
          }),
        );
        answer.results.forEach((result: Result) => {
          if (result.status === 'skipped')
            report.push({ line: batch[result.index]!.line, reason: result.reason ?? 'skipped', detail: result.detail ?? '' });
          else created += 1;
        });
        setProgress({ done: Math.min(start + BATCH, items.length), total: items.length });
      }
      report.sort((a, b) => a.line - b.line);
      setSkipped(report);
      setCounts({ created, skipped: report.length });
    });
  };

  return (
    <>
      <h1>Import users</h1>
      <p>
        A CSV file with a header row (username, email, password_hash, hash_algorithm, and optionally first_name, last_name, salt,
        salt_position, password), or JSON Lines with one user per line. For millions of users, <code>sentinel import FILE</code> is faster.
      </p>
      <form onSubmit={submit}>
        <label>
          File
          <input type="file" accept=".csv,.jsonl,.ndjson,.json" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run (check only, write nothing)
        </label>
        <button type="submit" disabled={busy || !file}>
          Import
        </button>
      </form>
      {progress && (
        <p>
          <label>
            Progress <progress max={progress.total || 1} value={progress.done} /> {progress.done} of {progress.total} rows sent
          </label>
        </p>
      )}
      <ErrorBox error={error} />
      {counts && (
        <p role="status">
          {dryRun ? 'Would create' : 'Created'} {counts.created}, skipped {counts.skipped}.
        </p>
      )}
      {skipped.length > 0 && (
        <table>
          <caption>Skipped rows</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Reason</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {skipped.map((row) => (
              <tr key={`${row.line}:${row.reason}`}>
                <td>{row.line}</td>
                <td>
                  <code>{row.reason}</code>
                </td>
                <td>{row.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
