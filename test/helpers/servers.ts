import type { Server } from 'node:http';

/** Stops a test server, dropping kept-alive client connections that close() alone would wait for. */
export function stopServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((err) => {
      if (err) reject(err);
      else resolve();
    });
    server.closeAllConnections();
  });
}
