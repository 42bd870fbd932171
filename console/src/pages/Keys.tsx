import { useCallback, useEffect, useState } from 'react';
import { ok } from '../api.js';
import { ConfirmButton, ErrorBox, Notice, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import type { SigningKey } from '../types.js';

/** The keys that sign access tokens, newest first, and rotating to a new one (asks first). */
export function Keys() {
  const api = useApi();
  const [keys, setKeys] = useState<SigningKey[] | null>(null);
  const [rotated, setRotated] = useState('');
  const { error, busy, run } = useAction();
  const load = useCallback(() => run(async () => setKeys((await ok(api.GET('/operator/keys'))).keys)), [api]);
  useEffect(() => void load(), [load]);

  const rotate = () =>
    void run(async () => {
      setRotated('');
      const answer = await ok(api.POST('/operator/keys/rotate'));
      setRotated(answer.key.kid);
      await load();
    });

  return (
    <>
      <h1>Signing keys</h1>
      <p>
        The active key signs new access tokens. A replaced key is <em>retiring</em>: it stays published and keeps verifying the tokens it
        signed until they have all expired, then it is <em>retired</em>.
      </p>
      <ErrorBox error={error} />
      {rotated && <Notice>Rotated: key {rotated} is now active</Notice>}
      <table>
        <caption className="visually-hidden">Signing keys, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Key id</th>
            <th scope="col">Algorithm</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Retires</th>
          </tr>
        </thead>
        <tbody>
          {keys?.map((key) => (
            <tr key={key.kid}>
              <td className="clip">
                <code>{key.kid}</code>
              </td>
              <td>{key.alg}</td>
              <td>{key.status}</td>
              <td>{when(key.created_at)}</td>
              <td>{when(key.retires_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys?.length === 0 && <p>No signing keys yet.</p>}
      <div className="actions">
        {busy ? (
          <button type="button" disabled>
            Rotate signing key
          </button>
        ) : (
          <ConfirmButton
            label="Rotate signing key"
            question="Make a new key the signer now? Tokens already issued keep working until they expire."
            onConfirm={rotate}
          />
        )}
      </div>
    </>
  );
}
