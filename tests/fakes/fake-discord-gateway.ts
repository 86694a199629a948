import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { guildCreatePayload, readyPayload, snowflake } from './fake-discord-payloads.js';

export interface FakeGatewayOptions {
  token: string;
  applicationId: string;
  guilds: string[];
  heartbeatIntervalMs: number;
  /** ws:// URL of this gateway, for READY's resume_gateway_url. */
  url: () => string;
  /** Called for an upgrade the fake will not serve, so the owner can record it as unmatched. */
  onRejected: (req: IncomingMessage, why: string) => void;
}

export interface GatewayFrame {
  op: number;
  d: unknown;
}

/**
 * The gateway half of FakeDiscord: plain JSON frames over `ws` (research: platforms.md §1.3).
 * HELLO on connect; IDENTIFY → READY (+ GUILD_CREATE per guild), or close 4004 on a wrong token;
 * HEARTBEAT → ACK; RESUME → RESUMED, or INVALID_SESSION for an unknown session.
 */
export class FakeGateway {
  /** Frames received from the client, in order. */
  readonly frames: GatewayFrame[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly events = new EventEmitter();
  private socket: WebSocket | undefined;
  private seq = 0;
  private sessionId = '';
  private refuseUntil = 0;

  constructor(private readonly options: FakeGatewayOptions) {}

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Sessions started so far (IDENTIFY or RESUME frames). */
  get sessions(): number {
    return this.frames.filter((f) => f.op === 2 || f.op === 6).length;
  }

  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (Date.now() < this.refuseUntil) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // zlib-sync would make discord.js ask for compressed frames this fake cannot produce.
    if ((req.url ?? '').includes('compress=')) {
      this.options.onRejected(req, 'client asked for gateway compression; is zlib-sync installed?');
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  /** Send a dispatch event with the next sequence number. */
  dispatch(t: string, d: unknown): void {
    if (!this.socket) throw new Error('fake discord: no gateway connection to dispatch on');
    this.seq += 1;
    this.socket.send(JSON.stringify({ op: 0, t, s: this.seq, d }));
  }

  /** Close the socket with `code` and refuse new connections for `refuseMs`, as an outage would. */
  async drop(opts: { code?: number; refuseMs?: number } = {}): Promise<void> {
    this.refuseUntil = Date.now() + (opts.refuseMs ?? 0);
    const socket = this.socket;
    if (!socket) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.close(opts.code ?? 4000, 'fake outage');
    await closed;
  }

  /** Resolve once more than `after` sessions have started and the socket is up. */
  waitForSession(after: number, timeoutMs: number): Promise<void> {
    if (this.sessions > after && this.socket) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('session', listener);
        reject(new Error('fake discord: no new gateway session'));
      }, timeoutMs);
      this.events.once('session', listener);
    });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private onConnection(ws: WebSocket): void {
    this.socket = ws;
    ws.on('close', () => {
      if (this.socket === ws) this.socket = undefined;
    });
    ws.on('message', (raw) => this.onFrame(ws, JSON.parse(String(raw)) as GatewayFrame));
    const hello = { op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs }, s: null, t: null };
    ws.send(JSON.stringify(hello));
  }

  private onFrame(ws: WebSocket, frame: GatewayFrame): void {
    this.frames.push(frame);
    const d = (frame.d ?? {}) as { token?: string; session_id?: string };
    if (frame.op === 1) {
      ws.send(JSON.stringify({ op: 11 }));
    } else if (frame.op === 2) {
      if (d.token !== this.options.token) {
        ws.close(4004, 'Authentication failed.');
        return;
      }
      this.sessionId = `fake-session-${snowflake()}`;
      const { applicationId, guilds } = this.options;
      const resumeUrl = this.options.url();
      this.dispatch('READY', readyPayload({ applicationId, sessionId: this.sessionId, resumeUrl, guilds }));
      for (const id of guilds) this.dispatch('GUILD_CREATE', guildCreatePayload(id));
      this.events.emit('session');
    } else if (frame.op === 6) {
      if (d.token !== this.options.token || d.session_id !== this.sessionId) {
        ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
        return;
      }
      this.dispatch('RESUMED', {});
      this.events.emit('session');
    }
  }
}
