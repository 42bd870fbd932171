import type { PGlite } from '@electric-sql/pglite';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The socket's name inside the data directory: PostgreSQL's own, so node-postgres (and psql)
 * reach it with the directory as host and 5432 as port.
 */
export const SOCKET_PORT = 5432;
export const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
/** sun_path holds 108 bytes on Linux, 104 on macOS, the terminating NUL included. */
export const MAX_SOCKET_PATH_BYTES = 103;

/** A connection holding the database inside a transaction may stay silent this long before it is rolled back and dropped. */
export const IDLE_IN_TRANSACTION_MS = 30_000;

const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const PROTOCOL_3 = 196_608;
const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I': not inside a transaction block

export function socketPathOf(dataDir: string): string {
  return path.join(dataDir, SOCKET_NAME);
}

export interface SharedPglite {
  readonly path: string;
  /** Connections open now. */
  connections(): number;
  /** Stops accepting, rolls back what connected clients left open, removes the socket. */
  close(): Promise<void>;
}

/**
 * Serves an open PGlite database to other processes on a Unix socket, speaking the
 * PostgreSQL wire protocol, so that `sentinel` commands reach the database of a running
 * `sentinel serve` with node-postgres.
 *
 * PGlite is one PostgreSQL backend: every client shares its single session. A client
 * therefore holds the database from its first message until the backend is idle again
 * (ReadyForQuery outside a transaction block), through PGlite's own transaction lock, which
 * this process's queries and transactions take too. So nothing runs inside another's
 * transaction or between another's Parse and Sync; the others wait their turn (queue), they
 * do not fail. A client that sits inside a transaction longer than IDLE_IN_TRANSACTION_MS
 * is rolled back and disconnected, so a stuck command cannot stop the server.
 *
 * (`@electric-sql/pglite-socket` does the protocol part, but its lock covers only its own
 * clients, not the queries of the process that owns the database, and it pins an exact
 * PGlite version.)
 */
export async function sharePglite(
  pglite: PGlite,
  socketPath: string,
  options: { onWarning?: (message: string) => void; idleInTransactionMs?: number } = {},
): Promise<SharedPglite> {
  const connections = new Set<Connection>();
  const server = net.createServer((socket) => {
    const connection = new Connection(pglite, socket, options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS, options.onWarning);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  // We hold the data directory's lock, so a socket file still there is a crashed server's.
  fs.rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(socketPath, 0o600);
  server.on('error', (error) => options.onWarning?.(`database socket: ${error.message}`));
  let closing: Promise<void> | undefined;
  return {
    path: socketPath,
    connections: () => connections.size,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...connections].map((connection) => connection.end()));
        await closed;
        fs.rmSync(socketPath, { force: true });
      })()),
  };
}

/** One client: reassembles its messages and runs them one at a time, holding the database while its work is open. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  /** Messages run strictly in order; each waits for the previous. */
  private chain: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly pglite: PGlite,
    private readonly socket: net.Socket,
    private readonly idleInTransactionMs: number,
    private readonly onWarning: ((message: string) => void) | undefined,
  ) {
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => void this.end());
    socket.on('close', () => void this.end());
  }

  /** Rolls back whatever this client left open and lets the others run; safe to call more than once. */
  end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      clearTimeout(this.idleTimer);
      this.chain = this.chain.then(() => this.abandon());
      this.socket.destroy();
    }
    return this.chain;
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const message = this.nextMessage();
      if (!message) return;
      this.chain = this.chain.then(() => this.run(message));
    }
  }

  /** Splits off one complete message: the startup packet has no type byte, every later one has. */
  private nextMessage(): Buffer | undefined {
    const headerBytes = this.started ? 5 : 4;
    if (this.buffer.length < headerBytes) return undefined;
    const length = this.started ? 1 + this.buffer.readInt32BE(1) : this.buffer.readInt32BE(0);
    if (length < headerBytes - 1 || length > 1 << 30) {
      void this.end();
      return undefined;
    }
    if (this.buffer.length < length) return undefined;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return message;
  }

  private async run(message: Buffer): Promise<void> {
    if (this.ended) return;
    clearTimeout(this.idleTimer);
    if (!this.started) return this.startup(message);
    if (message[0] === TERMINATE) return void this.end();

    this.release ??= await this.holdDatabase();
    if (this.ended) return; // closed while waiting: end() rolls back
    const output = await this.execute(message);
    const idle = lastReadyStatus(output) === IDLE;
    if (idle) this.letGo();
    if (this.ended) return;
    this.socket.write(output);
    if (!idle) {
      this.idleTimer = setTimeout(() => {
        this.onWarning?.(
          `database socket: a client kept a transaction open for ${this.idleInTransactionMs / 1000} s without a word; rolled it back and disconnected it`,
        );
        void this.end();
      }, this.idleInTransactionMs);
    }
  }

  private async startup(message: Buffer): Promise<void> {
    const code = message.length >= 8 ? message.readInt32BE(4) : 0;
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.socket.write('N'); // no encryption on a local socket; the client goes on in the clear
      return;
    }
    if (code !== PROTOCOL_3) {
      // A CancelRequest (PGlite runs one query at a time and cannot interrupt it) or an unknown protocol.
      void this.end();
      return;
    }
    this.started = true;
    const release = await this.holdDatabase();
    try {
      if (!this.ended) this.socket.write(await this.execute(message));
    } finally {
      release();
    }
  }

  private execute(message: Buffer): Promise<Buffer> {
    return this.pglite.runExclusive(async () => Buffer.from(await this.pglite.execProtocolRaw(new Uint8Array(message))));
  }

  /** Takes PGlite's transaction lock, the one its own query(), exec() and transaction() wait for, until let go. */
  private holdDatabase(): Promise<() => void> {
    return new Promise((acquired) => {
      void this.pglite._runExclusiveTransaction(() => new Promise<void>((release) => acquired(release)));
    });
  }

  private letGo(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  /** The client went away: end any half-sent extended query (Sync) and any open transaction, then let go. */
  private async abandon(): Promise<void> {
    if (!this.release) return;
    try {
      const synced = await this.execute(Buffer.from([0x53, 0, 0, 0, 4]));
      if (lastReadyStatus(synced) !== IDLE) await this.execute(simpleQuery('ROLLBACK'));
    } catch (error) {
      this.onWarning?.(`database socket: could not roll back after a client left: ${(error as Error).message}`);
    } finally {
      this.letGo();
    }
  }
}

/** The transaction status of the last ReadyForQuery in a run of backend messages, if it ends with one. */
function lastReadyStatus(output: Buffer): number | undefined {
  let status: number | undefined;
  for (let at = 0; at + 5 <= output.length; at += 1 + output.readInt32BE(at + 1)) {
    status = output[at] === READY_FOR_QUERY ? output[at + 5] : undefined;
  }
  return status;
}

function simpleQuery(text: string): Buffer {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('Q');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}
