import { connect as tlsConnect } from 'node:tls';

/**
 * One TLS connection (TLS 1.3, resuming `session` when given): whether the server resumed it,
 * and, on a first connection, the session ticket the server sent for next time.
 */
export function tlsHandshake(
  url: string,
  ca: Buffer,
  session?: Buffer,
): Promise<{ reused: boolean; ticket: Buffer | undefined }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: hostname,
      port: Number(port),
      ca,
      servername: 'localhost',
      minVersion: 'TLSv1.3',
      ...(session ? { session } : {}),
    });
    socket.once('error', reject);
    if (session) {
      socket.once('secureConnect', () => {
        resolve({ reused: socket.isSessionReused(), ticket: undefined });
        socket.end();
      });
    } else {
      // TLS 1.3 tickets arrive after the handshake.
      socket.once('session', (ticket: Buffer) => {
        resolve({ reused: socket.isSessionReused(), ticket });
        socket.end();
      });
    }
  });
}
