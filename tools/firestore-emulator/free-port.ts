import net from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`: binds port 0, reads what the kernel chose, closes.
 * Used for servers that cannot report the port they bound themselves.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const {port} = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
