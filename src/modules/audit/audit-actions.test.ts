import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, OTP_FAILED, type AuditEvent } from './audit-log.js';

const docs = fs
  .readdirSync(new URL('../../../docs/', import.meta.url))
  .filter((name) => name.endsWith('.md'))
  .map((name) => fs.readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8'))
  .join('\n');

describe('audit actions', () => {
  it('are a closed list: an action outside it does not compile', () => {
    // @ts-expect-error -- a misspelt action is a type error, so no event can be recorded under a name nobody reads.
    const misspelt: AuditEvent = { action: 'otp.faild' };
    expect(AUDIT_ACTIONS).not.toContain(misspelt.action);
    expect(AUDIT_ACTIONS).toContain(OTP_FAILED);
  });

  it('are each documented in docs/, in backticks', () => {
    const undocumented = AUDIT_ACTIONS.filter((action) => !docs.includes(`\`${action}\``));
    expect(undocumented).toEqual([]);
  });
});
