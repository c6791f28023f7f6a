/**
 * Checks the stack's ports before anything starts, so a taken port is named in one sentence
 * instead of surfacing as a Java BindException deep in the emulator's output.
 */
import net from 'node:net';
import {SERVICE_NAME} from './index-route';

export interface PortUse {
  port: number;
  /** What the stack would run there, e.g. "Firestore emulator". */
  role: string;
}

function isFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function isStackIndex(text: string): boolean {
  try {
    return (JSON.parse(text) as {service?: unknown}).service === SERVICE_NAME;
  } catch {
    return false;
  }
}

/** What answers HTTP on `port`, recognising the pieces of another local stack. */
async function occupant(port: number): Promise<string> {
  const ask = async (path: string) => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        signal: AbortSignal.timeout(1_000),
      });
      return {status: res.status, text: await res.text()};
    } catch {
      return undefined;
    }
  };
  const root = await ask('/');
  if (root && isStackIndex(root.text))
    return 'probably another `npm start` (its router)';
  if (root?.status === 200 && root.text.trim() === 'Ok')
    return 'probably another `npm start` (Firestore or Pub/Sub emulator)';
  const groups = await ask('/emulator/projects/emulator/groups');
  if (groups?.status === 200 && groups.text.startsWith('{"groups":'))
    return 'probably another `npm start` (FCM emulator)';
  return `something else (\`ss -ltnp 'sport = :${port}'\` shows what)`;
}

/** One sentence per port that is taken, naming what is probably on it; empty when all are free. */
export async function busyPorts(uses: readonly PortUse[]): Promise<string[]> {
  const problems: string[] = [];
  for (const {port, role} of uses) {
    if (port === 0 || (await isFree(port))) continue;
    problems.push(
      `port ${port} (for the ${role}) is in use — ${await occupant(port)}`,
    );
  }
  return problems;
}
