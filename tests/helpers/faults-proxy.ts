import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A reverse proxy in front of a fake chat API that injects network faults the fakes cannot: a
 * connection reset before the request reaches the fake (nothing posted), a reset after the fake
 * answered (posted, but the client never hears so), HTTP statuses, and delays. Faults are queued
 * per matching request and consumed one request at a time; everything else is passed through.
 */

export type Fault =
  /** Destroy the client's socket: `before` the fake sees the request, or `after` it answered. */
  | { reset: 'before' | 'after' }
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { delayMs: number }
  /** Let this one through untouched (to aim the next fault at, say, the second page). */
  | { pass: true };

export interface ProxiedRequest {
  method: string;
  path: string;
  fault?: Fault;
  at: number;
}

export interface FaultProxy {
  /** The target URL with the proxy's host and port: use it where the fake's URL would go. */
  url: string;
  requests: ProxiedRequest[];
  /** Queue faults for the next requests whose `METHOD path` matches. */
  inject(match: RegExp, ...faults: Fault[]): void;
  /** Faults still queued (a test that expects all of them used checks this is 0). */
  pending(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const queues: { match: RegExp; faults: Fault[] }[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0]!;
    const line = `${req.method} ${path}`;
    const queue = queues.find((q) => q.match.test(line) && q.faults.length > 0);
    const fault = queue?.faults.shift();
    requests.push({ method: req.method ?? 'GET', path, fault, at: Date.now() });
    if (fault && 'reset' in fault && fault.reset === 'before') {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify(fault.body ?? { message: 'injected fault', code: 0 }));
      return;
    }
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    const answer = await forward(req, body);
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(answer.headers).filter(
        ([k, v]) => v !== undefined && !['transfer-encoding', 'connection', 'content-length'].includes(k),
      ),
    ) as Record<string, string | string[]>;
    res.writeHead(answer.status, headers).end(answer.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}${upstream.pathname}`;
  return {
    url: base,
    requests,
    inject(match, ...faults) {
      queues.push({ match, faults: [...faults] });
    },
    pending: () => queues.reduce((n, q) => n + q.faults.length, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
