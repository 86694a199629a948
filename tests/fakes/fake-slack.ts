import { createHmac } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A local Slack for tests (research: platforms.md §2.8): the Web API methods Bolt and we call,
 * a `response_url` sink, and a Socket Mode WebSocket, all on one loopback port. Every request is
 * recorded; methods and paths it does not know are answered as Slack would and land in `unmatched`.
 * Failures are scripted per method and consumed one call at a time.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  /** The Web API method (`auth.test`) for /api/ calls. */
  apiMethod?: string;
  headers: IncomingHttpHeaders;
  /** Form fields or parsed JSON; `blocks` stays the JSON string the client sent. */
  body: Record<string, unknown>;
  status: number;
  at: number;
}

/** One scripted outcome for the next call of a method: an HTTP failure, a Slack error, or a delay. */
export type Scripted =
  | { status: 429; retryAfter?: number }
  | { status: 500 | 502 | 503 }
  | { error: string }
  | { delayMs: number }
  /** Never answer: with `record`, the message is posted first (a crash after sending), else not at all. */
  | { hang: true; record: boolean };

export interface Envelope {
  envelope_id: string;
  type: 'slash_commands' | 'events_api' | 'interactive';
  accepts_response_payload: boolean;
  payload: Record<string, unknown>;
}

export const FAKE_TEAM = { team_id: 'T0FAKE', team: 'Fake Team', user_id: 'U0BOT', bot_id: 'B0BOT' } as const;

/** Slack's documented message limits (docs.slack.dev/reference/block-kit), enforced independently of our renderer. */
export const SLACK_API_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, text: 40_000 } as const;

/** What Slack would say about a message: undefined when valid, else its error code. */
export function messageError(message: { text?: unknown; blocks?: unknown }): string | undefined {
  if (typeof message.text === 'string' && message.text.length > SLACK_API_LIMITS.text) return 'msg_too_long';
  if (message.blocks === undefined) return undefined;
  const blocks = typeof message.blocks === 'string' ? safeParse(message.blocks) : message.blocks;
  if (!Array.isArray(blocks) || blocks.length > SLACK_API_LIMITS.blocks) return 'invalid_blocks';
  for (const b of blocks as { type?: string; text?: { text?: string } }[]) {
    const text = b.text?.text ?? '';
    if (b.type === 'section' && (text.length === 0 || text.length > SLACK_API_LIMITS.sectionText))
      return 'invalid_blocks';
    if (b.type === 'header' && (text.length === 0 || text.length > SLACK_API_LIMITS.headerText))
      return 'invalid_blocks';
  }
  return undefined;
}

export class FakeSlack {
  readonly requests: RecordedRequest[] = [];
  readonly unmatched: RecordedRequest[] = [];
  /** Bodies POSTed to each response_url, by id. */
  readonly responses = new Map<string, Record<string, unknown>[]>();
  /** Socket Mode acks by envelope_id (the `payload`, or {} for an empty ack). */
  readonly acks = new Map<string, Record<string, unknown>>();
  /** Messages posted with chat.postMessage, by channel, oldest first. */
  readonly messages = new Map<string, { ts: string; text: unknown; blocks: unknown; metadata: unknown }[]>();
  /** Called when a request arrives, before it is answered (tests kill a process at that moment). */
  onRequest?: (r: RecordedRequest) => void;
  /** users.info answers is_admin: true for these. */
  readonly admins = new Set<string>();
  /**
   * Slack's limits for apps outside the Marketplace (since 2025): conversations.history returns at
   * most 15 messages a call and answers one call a minute (a 429 with retry-after otherwise).
   */
  nonMarketplace = false;
  private lastHistoryAt = Number.NEGATIVE_INFINITY;
  readonly botToken: string;
  readonly appToken: string;
  private readonly scripts = new Map<string, Scripted[]>();
  private readonly sockets = new Set<WebSocket>();
  private readonly waiters: (() => void)[] = [];
  private server!: Server;
  private wss!: WebSocketServer;
  private envelopes = 0;
  port = 0;

  private constructor(options: { botToken?: string; appToken?: string }) {
    this.botToken = options.botToken ?? 'xoxb-test-token';
    this.appToken = options.appToken ?? 'xapp-test-token';
  }

  static async start(options: { botToken?: string; appToken?: string } = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.server = createServer((req, res) => void fake.handle(req, res));
    fake.wss = new WebSocketServer({ server: fake.server, path: '/link/' });
    fake.wss.on('connection', (ws) => fake.onSocket(ws));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  responseUrl(id: string): string {
    return `http://127.0.0.1:${this.port}/response/${id}`;
  }

  /** Queue outcomes for the next calls of `apiMethod` (or `response` for the response_url sink). */
  script(apiMethod: string, ...outcomes: Scripted[]): void {
    this.scripts.set(apiMethod, [...(this.scripts.get(apiMethod) ?? []), ...outcomes]);
  }

  calls(apiMethod: string): RecordedRequest[] {
    return this.requests.filter((r) => r.apiMethod === apiMethod);
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Resolves once a client has a Socket Mode connection open (after hello). */
  async connected(timeoutMs = 5000): Promise<void> {
    if (this.sockets.size > 0) return;
    await withTimeout(
      new Promise<void>((resolve) => this.waiters.push(resolve)),
      timeoutMs,
      'no Socket Mode connection',
    );
  }

  /** Push an envelope to every open socket and wait for its ack; resolves with the ack's payload. */
  async sendEnvelope(
    type: Envelope['type'],
    payload: Record<string, unknown>,
    timeoutMs = 3000,
  ): Promise<Record<string, unknown>> {
    if (this.sockets.size === 0) throw new Error('fake-slack: no Socket Mode connection to send on');
    const envelope: Envelope = {
      envelope_id: `env-${++this.envelopes}`,
      type,
      accepts_response_payload: type !== 'events_api',
      payload,
    };
    for (const ws of this.sockets) ws.send(JSON.stringify(envelope));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ack = this.acks.get(envelope.envelope_id);
      if (ack) return ack;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(
      `fake-slack: envelope ${envelope.envelope_id} was not acknowledged within ${timeoutMs} ms`,
    );
  }

  /** Slack recycling the connection: the client should reconnect with a fresh apps.connections.open. */
  disconnectAll(reason = 'refresh_requested'): void {
    for (const ws of this.sockets) ws.send(JSON.stringify({ type: 'disconnect', reason }));
  }

  /** Resolves when the response_url `id` has received `count` bodies. */
  async response(id: string, count = 1, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const got = this.responses.get(id) ?? [];
      if (got.length >= count) return got;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(
      `fake-slack: response_url ${id} got ${this.responses.get(id)?.length ?? 0} of ${count} bodies`,
    );
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      const message = safeParse(String(data)) as
        | { envelope_id?: string; payload?: Record<string, unknown> }
        | undefined;
      if (message?.envelope_id) this.acks.set(message.envelope_id, message.payload ?? {});
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A0FAKE' },
      }),
    );
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private posted = 0;

  /** Keep a posted message as Slack would; its ts is its id. */
  private post(body: Record<string, unknown>): string {
    const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.posted).padStart(6, '0')}`;
    const channel = String(body.channel);
    const list = this.messages.get(channel) ?? [];
    list.push({ ts, text: body.text, blocks: parseMaybeJson(body.blocks), metadata: parseMaybeJson(body.metadata) });
    this.messages.set(channel, list);
    return ts;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: parseBody(raw, req.headers['content-type']),
      status: 200,
      at: Date.now(),
    };
    this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };

    const api = /^\/api\/([\w.]+)$/.exec(path)?.[1];
    const sink = /^\/response\/([\w-]+)$/.exec(path)?.[1];
    const key = api ?? (sink ? 'response' : undefined);
    if (api) record.apiMethod = api;

    const scripted = key ? this.scripts.get(key)?.shift() : undefined;
    this.onRequest?.(record);
    if (scripted && 'hang' in scripted) {
      if (scripted.record && api === 'chat.postMessage') this.post(record.body);
      return;
    }
    if (scripted && 'delayMs' in scripted) await new Promise((r) => setTimeout(r, scripted.delayMs));
    else if (scripted && 'status' in scripted) {
      const headers: Record<string, string> =
        scripted.status === 429 ? { 'retry-after': String(scripted.retryAfter ?? 1) } : {};
      return send(
        scripted.status,
        { ok: false, error: scripted.status === 429 ? 'ratelimited' : 'fatal_error' },
        headers,
      );
    } else if (scripted && 'error' in scripted) return send(200, { ok: false, error: scripted.error });

    if (sink && req.method === 'POST') {
      const list = this.responses.get(sink) ?? [];
      list.push(record.body);
      this.responses.set(sink, list);
      // Our choice where Slack's docs are silent: a body Slack would refuse is a 400 naming the error.
      const error = messageError(record.body);
      return error ? send(400, { ok: false, error }) : send(200, { ok: true });
    }
    if (!api || req.method !== 'POST') {
      this.unmatched.push(record);
      process.stderr.write(`fake-slack: unmatched ${record.method} ${path}\n`);
      return send(404, { ok: false, error: 'not_found' });
    }

    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    switch (api) {
      case 'auth.test':
        if (bearer !== this.botToken) return send(200, { ok: false, error: 'invalid_auth' });
        return send(200, {
          ok: true,
          url: 'https://fake.slack.com/',
          ...FAKE_TEAM,
          user: 'briefbot',
          is_enterprise_install: false,
        });
      case 'apps.connections.open':
        if (bearer !== this.appToken) return send(200, { ok: false, error: 'invalid_auth' });
        return send(200, { ok: true, url: `ws://127.0.0.1:${this.port}/link/?ticket=fake-${Date.now()}` });
      case 'users.info': {
        if (bearer !== this.botToken) return send(200, { ok: false, error: 'invalid_auth' });
        const id = String(record.body.user ?? '');
        if (!id) return send(200, { ok: false, error: 'user_not_found' });
        const admin = this.admins.has(id);
        return send(200, {
          ok: true,
          user: { id, team_id: FAKE_TEAM.team_id, name: id.toLowerCase(), is_admin: admin, is_owner: false },
        });
      }
      case 'chat.postMessage': {
        if (bearer !== this.botToken) return send(200, { ok: false, error: 'invalid_auth' });
        if (!record.body.channel) return send(200, { ok: false, error: 'channel_not_found' });
        const error = messageError(record.body);
        if (error) return send(200, { ok: false, error });
        const ts = this.post(record.body);
        return send(200, { ok: true, channel: record.body.channel, ts, message: record.body });
      }
      case 'conversations.history': {
        if (bearer !== this.botToken) return send(200, { ok: false, error: 'invalid_auth' });
        const all = this.messages.get(String(record.body.channel)) ?? [];
        const withMeta = record.body.include_all_metadata === 'true' || record.body.include_all_metadata === true;
        const oldest = Number(record.body.oldest ?? 0);
        if (this.nonMarketplace) {
          if (Date.now() - this.lastHistoryAt < 60_000) return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '60' });
          this.lastHistoryAt = Date.now();
        }
        // Newest first, `limit` at a time (default 100, at most 999; 15 outside the Marketplace), with an opaque cursor to the next page.
        const limit = Math.min(this.nonMarketplace ? 15 : 999, Math.max(1, Number(record.body.limit ?? 100) || 100));
        const from = record.body.cursor ? Number(Buffer.from(String(record.body.cursor), 'base64').toString().slice(5)) : 0;
        const newestFirst = all.filter((m) => Number(m.ts) >= oldest).reverse();
        const messages = newestFirst
          .slice(from, from + limit)
          .map((m) => ({ type: 'message', ts: m.ts, text: m.text, ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        const more = from + limit < newestFirst.length;
        return send(200, {
          ok: true,
          messages,
          has_more: more,
          response_metadata: { next_cursor: more ? Buffer.from(`next:${from + limit}`).toString('base64') : '' },
        });
      }
      default:
        this.unmatched.push(record);
        process.stderr.write(`fake-slack: unknown Web API method ${api}\n`);
        return send(200, { ok: false, error: 'unknown_method' });
    }
  }
}

/** Slack form-encodes object arguments as JSON strings. */
function parseMaybeJson(v: unknown): unknown {
  return typeof v === 'string' ? safeParse(v) : v;
}

/** The form fields Slack POSTs for a slash command (platforms.md §2.1), with overridable defaults. */
export function slashCommandFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: FAKE_TEAM.team_id,
    team_domain: 'fake',
    channel_id: 'C0CHANNEL',
    channel_name: 'general',
    user_id: 'U0USER',
    user_name: 'ana',
    command: '/briefbot-help',
    text: '',
    api_app_id: 'A0FAKE',
    is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/response/unused',
    trigger_id: '1.2.3',
    ...overrides,
  };
}

export interface SignOptions {
  signingSecret: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Sign with a different secret, as a forger would. */
  badSignature?: boolean;
}

/**
 * A form-encoded body signed as Slack signs it: `v0=` + hex HMAC-SHA256 over `v0:<timestamp>:<body>`.
 * Spread the result into fetch's init.
 */
export function signedRequest(
  fields: Record<string, string>,
  options: SignOptions,
): { method: 'POST'; body: string; headers: Record<string, string> } {
  const body = new URLSearchParams(fields).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const secret = options.badSignature ? `${options.signingSecret}-forged` : options.signingSecret;
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json'))
    return (safeParse(raw) as Record<string, unknown>) ?? { raw };
  return Object.fromEntries(new URLSearchParams(raw));
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fake-slack: ${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
