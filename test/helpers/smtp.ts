import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { MailConfig } from '../../src/config.js';

/** A real SMTP server on loopback that keeps what it receives, parsed. */
export class MailCatcher {
  readonly received: ParsedMail[] = [];
  private server: SMTPServer | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            this.received.push(mail);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The mails sent to `to` so far. */
  to(to: string): ParsedMail[] {
    return this.received.filter((mail) => addressesOf(mail).includes(to.toLowerCase()));
  }

  /** Waits for the `n`th mail to `to` (1-based) whose subject contains `subject`. */
  async waitFor(to: string, subject: string, n = 1, timeoutMs = 5000): Promise<ParsedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mails = this.to(to).filter((mail) => (mail.subject ?? '').includes(subject));
      if (mails.length >= n) return mails[n - 1]!;
      if (Date.now() > deadline) throw new Error(`no mail #${n} to ${to} within ${timeoutMs} ms (got ${mails.length})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  config(port = this.port): MailConfig {
    return {
      smtpUrl: `smtp://127.0.0.1:${port}`,
      from: 'Sentinel <no-reply@example.com>',
      pollMs: 100,
      retryBaseMs: 100,
      maxAttempts: 50,
      sendTimeoutMs: 2000,
    };
  }
}

function addressesOf(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((group) => group.value.map((address) => (address.address ?? '').toLowerCase()));
}

/** The token of the first link to `/account/<page>` in a mail's plain text. */
export function linkIn(mail: ParsedMail, page: 'reset-password' | 'verify-email'): { url: string; token: string } {
  const match = new RegExp(`(https?://\\S+/account/${page}\\?token=([A-Za-z0-9_-]+))`).exec(mail.text ?? '');
  if (!match) throw new Error(`no /account/${page} link in: ${mail.text}`);
  return { url: match[1]!, token: decodeURIComponent(match[2]!) };
}

/** An HTML form's POST body, as a browser sends it to the /account/ pages. */
export function formPost(fields: Record<string, string>) {
  return { payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}
