import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { RouteHandler } from '../platforms/types.js';

export interface Readiness {
  ready: boolean;
  reasons: string[];
  /** Parts switched off while the rest serves: still ready (200), status "degraded", listed in reasons. */
  degraded?: string[];
}

export interface HttpServerOptions {
  readiness: () => Readiness;
  registry: Registry;
  routes?: Record<string, RouteHandler>;
}

/** The bot's one HTTP server: health for orchestrators, metrics for Prometheus, and platform routes. */
export function createHttpServer(options: HttpServerOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const r = options.readiness();
      const degraded = r.degraded ?? [];
      const status = !r.ready ? 'not ready' : degraded.length > 0 ? 'degraded' : 'ready';
      res
        .writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status, reasons: [...r.reasons, ...degraded] }));
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    const route = options.routes?.[path];
    if (route) {
      route(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
}

/** Listen on PORT at HOST; a failure names the setting to change (the OS's words say only the address). */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${port} is in use on ${host}: stop what holds it, or set PORT to another`
          : err.code === 'ENOTFOUND' || err.code === 'EADDRNOTAVAIL'
            ? `HOST ${host} is no address of this machine: set HOST to one (0.0.0.0 for all), without a port`
            : `${err.code ?? 'error'}: ${err.message}`;
      reject(Object.assign(new Error(`cannot listen for /healthz, /metrics and Slack requests: ${why}`, { cause: err }), { code: err.code }));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
