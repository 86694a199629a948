import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

/** A fixed-window counter: at most `max` per `windowMs` for each key. */
class Windows {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}
  /** 0 when allowed (and counted), else ms until the key's window resets. */
  take(key: string, now: number): number {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.max) return w.start + this.windowMs - now;
    w.count++;
    return 0;
  }
  remaining(key: string): { left: number; resetMs: number } {
    const w = this.windows.get(key);
    return { left: this.max - (w?.count ?? 0), resetMs: w ? this.windowMs - (Date.now() - w.start) : this.windowMs };
  }
}

export interface LimitProxy {
  url: string;
  rateLimited: number;
  close(): Promise<void>;
}

/**
 * In front of a fake platform: message posts are rate-limited the platform's way (429 + Retry-After),
 * every forwarded request waits `latencyMs` first (an API round trip), everything else passes through.
 * discord: per channel 5 / 5 s and global 50 / s, with X-RateLimit-* headers as Discord sends them.
 * slack: chat.postMessage 1 / s per channel after a burst of `burst`.
 */
export async function startLimitProxy(options: {
  kind: 'discord' | 'slack';
  upstream: string;
  latencyMs: number;
  burst?: number;
}): Promise<LimitProxy> {
  const perChannel = options.kind === 'discord' ? new Windows(5, 5000) : new Windows(options.burst ?? 3, (options.burst ?? 3) * 1000);
  const global = new Windows(50, 1000);
  const state = { rateLimited: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const channel = channelOf(options.kind, req, body);
      if (channel !== undefined) {
        const now = Date.now();
        const wait = perChannel.take(channel, now) || (options.kind === 'discord' ? global.take('all', now) : 0);
        if (wait > 0) {
          state.rateLimited++;
          const seconds = (wait / 1000).toFixed(3);
          res.writeHead(429, {
            'content-type': 'application/json',
            'retry-after': options.kind === 'discord' ? seconds : String(Math.ceil(wait / 1000)),
            ...(options.kind === 'discord' ? { 'x-ratelimit-scope': 'user' } : {}),
          });
          res.end(JSON.stringify(options.kind === 'discord' ? { message: 'You are being rate limited.', retry_after: Number(seconds), global: false } : { ok: false, error: 'ratelimited' }));
          return;
        }
      }
      await new Promise((r) => setTimeout(r, options.latencyMs));
      const headers = { ...req.headers };
      delete headers.host;
      delete headers['content-length'];
      const up = await request(`${options.upstream}${req.url}`, { method: req.method as 'GET', headers, body: body.length ? body : undefined });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(up.headers)) if (typeof v === 'string' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
      if (channel !== undefined && options.kind === 'discord') {
        const { left, resetMs } = perChannel.remaining(channel);
        Object.assign(out, {
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': String(Math.max(0, left)),
          'x-ratelimit-reset-after': (resetMs / 1000).toFixed(3),
          'x-ratelimit-reset': ((Date.now() + resetMs) / 1000).toFixed(3),
          'x-ratelimit-bucket': 'channel-messages',
        });
      }
      res.writeHead(up.statusCode, out).end(Buffer.from(await up.body.arrayBuffer()));
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get rateLimited() {
      return state.rateLimited;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The channel a message post goes to, or undefined for any other request. */
function channelOf(kind: 'discord' | 'slack', req: IncomingMessage, body: Buffer): string | undefined {
  if (req.method !== 'POST') return undefined;
  if (kind === 'discord') return /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(req.url ?? '')?.[1];
  if (!(req.url ?? '').startsWith('/api/chat.postMessage')) return undefined;
  const text = body.toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('json')) return String((JSON.parse(text) as { channel?: string }).channel);
  return new URLSearchParams(text).get('channel') ?? undefined;
}
