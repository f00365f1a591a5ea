// A client connection kept alive by hand, for tests that need requests to reach a server at
// once: several of them written together are read by the server in one loop iteration, and
// their handlers run back to back.
import { connect } from 'node:net';

export interface KeptAlive {
  /** Writes a raw request and resolves when its (small) response has arrived. */
  request: (text: string) => Promise<void>;
  close: () => void;
}

/** A connection the server has accepted and answered once, so a request on it is read at once. */
export async function keptAlive(port: number): Promise<KeptAlive> {
  const socket = connect(port, '127.0.0.1');
  let waiting: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    // One small response per request: its end is the end of the chunk that holds the body.
    if (/\r\n\r\n[^]*$/.test(chunk.toString()) && waiting) {
      const done = waiting;
      waiting = null;
      done();
    }
  });
  const request = (text: string): Promise<void> => new Promise((resolve, reject) => {
    waiting = resolve;
    socket.once('error', reject);
    socket.write(text);
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  await request('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  return { request, close: () => socket.destroy() };
}
