import { Client } from 'pg';

/**
 * A node-postgres client whose statements issued in one turn of the event loop leave in one socket
 * write. With `pipeline: true` the client sends each statement as soon as it is issued, one write
 * per statement; a transaction's Promise.all of three statements made three writes, and on a
 * virtual machine each write is a costly system call (a third of a service's CPU in the e2e
 * profile). The socket is corked at the first statement of a turn and uncorked once the turn's
 * promise callbacks have all run (process.nextTick runs after them), so the statements of one
 * Promise.all go out together. A statement issued alone still leaves at once, only a few
 * microseconds later; nothing waits for a timer.
 */
export class BatchingClient extends Client {
  private corked = false;

  override query(...args: unknown[]): never {
    const stream = (this as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void; writable?: boolean } } }).connection?.stream;
    if (!this.corked && stream?.cork && stream.writable) {
      this.corked = true;
      stream.cork();
      process.nextTick(() => {
        this.corked = false;
        stream.uncork!();
      });
    }
    return (super.query as (...forwarded: unknown[]) => never)(...args);
  }
}
