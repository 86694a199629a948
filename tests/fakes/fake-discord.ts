import { EventEmitter } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateway, type GatewayFrame } from './fake-discord-gateway.js';
import { choicesProblems, commandProblems, messageProblems } from './fake-discord-limits.js';
import {
  CHANNEL_ID,
  type InteractionSpec,
  interactionPayload,
  messageObject,
  snowflake,
} from './fake-discord-payloads.js';

/**
 * A local Discord for tests: REST under /api/v10 and a JSON gateway on the same port, enough for the
 * real discord.js Client (research: platforms.md §1.11; modelled on MonitoRSS's fake-discord-server).
 * Every request is recorded; routes it does not know answer 404 and land in `unmatched`.
 */

export interface RecordedRequest {
  method: string;
  /** The path as sent (percent-encoding kept: discord.js sends `%40original`). */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  status: number;
  /** Which fake route answered; undefined when none matched. */
  route?: string;
  at: number;
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeDiscordOptions {
  token: string;
  applicationId: string;
  /** Guild ids listed in READY; each gets a GUILD_CREATE. None by default, so ClientReady is immediate. */
  guilds?: string[];
  /** Check `Authorization: Bot <token>` on REST (default); off to test the gateway's 4004. */
  restAuth?: boolean;
  /** Discord's 3-second rule for the first interaction response. */
  interactionDeadlineMs?: number;
  heartbeatIntervalMs?: number;
  /** Channels the bot may post in; others answer 404 Unknown Channel. */
  channels?: string[];
  /** How long a message nonce is remembered with enforce_nonce ("a few minutes" on Discord). */
  nonceWindowMs?: number;
}

interface InteractionState {
  id: string;
  token: string;
  createdAt: number;
  acked: boolean;
  ephemeral: boolean;
  original?: ReturnType<typeof messageObject>;
}

type Handler = (req: Parsed) => ScriptedResponse;
interface Parsed {
  method: string;
  path: string;
  params: string[];
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

const invalidForm = (problems: string[]): ScriptedResponse => ({
  status: 400,
  body: { code: 50035, message: 'Invalid Form Body', errors: problems },
});

export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  /** Stored application commands: key 'global' or a guild id. */
  readonly commands = new Map<string, Record<string, unknown>[]>();
  /** Messages posted to channels, by channel id, in order. */
  readonly channelMessages = new Map<string, (ReturnType<typeof messageObject> & { nonce?: string })[]>();
  readonly gateway: FakeGateway;
  private readonly interactions = new Map<string, InteractionState>();
  private readonly scripts: { method: string; path: RegExp; responses: ScriptedResponse[] }[] = [];
  private readonly events = new EventEmitter();
  private readonly routes: { method: string; pattern: RegExp; name: string; handle: Handler }[];

  private constructor(
    private readonly server: Server,
    readonly options: Required<FakeDiscordOptions>,
  ) {
    this.routes = this.buildRoutes();
    this.gateway = new FakeGateway({
      ...options,
      url: () => this.gatewayUrl,
      onRejected: (req, why) => {
        process.stderr.write(`fake discord: ${why}\n`);
        const { headers } = req;
        this.requests.push({
          method: 'GET',
          path: req.url ?? '',
          query: {},
          headers,
          body: undefined,
          status: 400,
          at: Date.now(),
        });
      },
    });
  }

  static async start(options: FakeDiscordOptions): Promise<FakeDiscord> {
    const server = createServer();
    const fake = new FakeDiscord(server, {
      guilds: [],
      restAuth: true,
      interactionDeadlineMs: 3000,
      heartbeatIntervalMs: 41_250,
      channels: [CHANNEL_ID],
      nonceWindowMs: 5 * 60_000,
      ...options,
    });
    server.on('request', (req, res) => fake.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => fake.gateway.onUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** What to put in DISCORD_API_URL. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get unmatched(): RecordedRequest[] {
    return this.requests.filter((r) => r.route === undefined);
  }

  /** Gateway frames received from the client (op, d). */
  get gatewayFrames(): GatewayFrame[] {
    return this.gateway.frames;
  }

  get connected(): boolean {
    return this.gateway.connected;
  }

  /** Answer the next matching requests with these responses, in order (then behave normally). */
  script(method: string, path: RegExp, ...responses: ScriptedResponse[]): void {
    this.scripts.push({ method, path, responses: [...responses] });
  }

  /** A 429 the way Discord sends it; @discordjs/rest reads the Retry-After header, not the body. */
  static rateLimited(retryAfterSeconds: number): ScriptedResponse {
    return {
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-scope': 'user' },
      body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global: false },
    };
  }

  /** Inject INTERACTION_CREATE over the gateway; returns the interaction's id and token. */
  dispatchInteraction(spec: InteractionSpec): { id: string; token: string } {
    const d = interactionPayload(spec, this.options.applicationId);
    this.interactions.set(d.token, {
      id: d.id,
      token: d.token,
      createdAt: Date.now(),
      acked: false,
      ephemeral: false,
    });
    this.dispatch('INTERACTION_CREATE', d);
    return { id: d.id, token: d.token };
  }

  /** Send any dispatch event with the next sequence number. */
  dispatch(t: string, d: unknown): void {
    this.gateway.dispatch(t, d);
  }

  /**
   * Close the gateway socket (4000 → discord.js resumes; 1000 → it identifies anew) and refuse new
   * connections for `refuseMs`, as an outage would.
   */
  dropGateway(opts: { code?: number; refuseMs?: number } = {}): Promise<void> {
    return this.gateway.drop(opts);
  }

  /** Resolve with the first recorded request (past or future) that matches. */
  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    const found = this.requests.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('request', listener);
        reject(new Error(`fake discord: no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (r: RecordedRequest) => {
        if (!match(r)) return;
        clearTimeout(timer);
        this.events.off('request', listener);
        resolve(r);
      };
      this.events.on('request', listener);
    });
  }

  /** The interaction callback (initial response) for one interaction. */
  callbackFor(interactionId: string, timeoutMs?: number): Promise<RecordedRequest> {
    return this.waitForRequest(
      (r) => r.route === 'interaction callback' && r.path.includes(`/${interactionId}/`),
      timeoutMs,
    );
  }

  /** Resolve once the client has identified or resumed more than `after` times (after a drop). */
  waitForSession(after = 0, timeoutMs = 5000): Promise<void> {
    return this.gateway.waitForSession(after, timeoutMs);
  }

  async close(): Promise<void> {
    this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- REST ----------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // multipart or plain text: keep the raw string for assertions
      }
      const parsed: Parsed = {
        method: req.method ?? 'GET',
        path: url.pathname,
        params: [],
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      };
      const { response, route } = this.answer(parsed);
      const record: RecordedRequest = { ...parsed, status: response.status, route, at: Date.now() };
      delete (record as Partial<Parsed>).params;
      this.requests.push(record);
      const payload = response.body === undefined ? '' : JSON.stringify(response.body);
      res.writeHead(response.status, {
        ...(payload ? { 'content-type': 'application/json' } : {}),
        ...response.headers,
      });
      res.end(payload);
      this.events.emit('request', record);
    });
  }

  private answer(req: Parsed): { response: ScriptedResponse; route?: string } {
    const route = this.routes.find((r) => r.method === req.method && r.pattern.test(req.path));
    const script = this.scripts.find(
      (s) => s.method === req.method && s.path.test(req.path) && s.responses.length > 0,
    );
    if (script) return { response: script.responses.shift()!, route: route?.name ?? 'scripted' };
    if (!route) {
      // Loud on purpose: a test asserting `unmatched` is empty names the route we forgot.
      process.stderr.write(`fake discord: unmatched ${req.method} ${req.path}\n`);
      return { response: { status: 404, body: { message: '404: Not Found', code: 0 } } };
    }
    const authed = !/^\/api\/v10\/(interactions|webhooks)\//.test(req.path);
    if (authed && this.options.restAuth && req.headers.authorization !== `Bot ${this.options.token}`) {
      return {
        response: { status: 401, body: { message: '401: Unauthorized', code: 0 } },
        route: route.name,
      };
    }
    req.params = route.pattern.exec(req.path)!.slice(1);
    return { response: route.handle(req), route: route.name };
  }

  private buildRoutes(): { method: string; pattern: RegExp; name: string; handle: Handler }[] {
    const app = '(\\d+)';
    const original = '(@original|%40original)';
    return [
      {
        method: 'GET',
        pattern: /^\/api\/v10\/gateway\/bot$/,
        name: 'gateway bot',
        handle: () => this.gatewayBot(),
      },
      {
        method: 'POST',
        pattern: /^\/api\/v10\/interactions\/(\d+)\/([^/]+)\/callback$/,
        name: 'interaction callback',
        handle: (r) => this.callback(r),
      },
      {
        method: 'PATCH',
        pattern: new RegExp(`^/api/v10/webhooks/${app}/([^/]+)/messages/${original}$`),
        name: 'edit original',
        handle: (r) => this.editOriginal(r),
      },
      {
        method: 'GET',
        pattern: new RegExp(`^/api/v10/webhooks/${app}/([^/]+)/messages/${original}$`),
        name: 'get original',
        handle: (r) => this.withOriginal(r, (m) => ({ status: 200, body: m })),
      },
      {
        method: 'DELETE',
        pattern: new RegExp(`^/api/v10/webhooks/${app}/([^/]+)/messages/${original}$`),
        name: 'delete original',
        handle: (r) => this.withOriginal(r, () => ({ status: 204 })),
      },
      {
        method: 'POST',
        pattern: new RegExp(`^/api/v10/webhooks/${app}/([^/]+)$`),
        name: 'follow-up',
        handle: (r) => this.followUp(r),
      },
      {
        method: 'POST',
        pattern: /^\/api\/v10\/channels\/(\d+)\/messages$/,
        name: 'channel message',
        handle: (r) => this.channelMessage(r),
      },
      {
        method: 'GET',
        pattern: /^\/api\/v10\/channels\/(\d+)\/messages$/,
        name: 'channel messages',
        // Newest first, `limit` at a time (default 50, at most 100), `before` paging back from a
        // message, as Discord lists them; nonces are not part of a stored message.
        handle: (r) => {
          const all = this.channelMessages.get(r.params[0]!) ?? [];
          const limit = Math.min(100, Math.max(1, Number(r.query.limit ?? 50) || 50));
          const end = r.query.before ? Math.max(0, all.findIndex((m) => m.id === r.query.before)) : all.length;
          return {
            status: 200,
            body: all
              .slice(0, end)
              .slice(-limit)
              .reverse()
              .map(({ nonce: _nonce, ...m }) => m),
          };
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^/api/v10/applications/${app}(?:/guilds/(\\d+))?/commands$`),
        name: 'get commands',
        handle: (r) => ({ status: 200, body: this.commands.get(r.params[1] ?? 'global') ?? [] }),
      },
      {
        method: 'PUT',
        pattern: new RegExp(`^/api/v10/applications/${app}(?:/guilds/(\\d+))?/commands$`),
        name: 'put commands',
        handle: (r) => this.putCommands(r),
      },
    ];
  }

  private gatewayBot(): ScriptedResponse {
    return {
      status: 200,
      body: {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      },
    };
  }

  private callback(r: Parsed): ScriptedResponse {
    const state = this.interactions.get(r.params[1]!);
    if (
      !state ||
      state.id !== r.params[0] ||
      Date.now() - state.createdAt > this.options.interactionDeadlineMs
    ) {
      return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
    }
    if (state.acked)
      return { status: 400, body: { message: 'Interaction has already been acknowledged.', code: 40060 } };
    const body = r.body as { type?: number; data?: Record<string, unknown> };
    const problems =
      body.type === 8 ? choicesProblems(body.data) : body.type === 4 ? messageProblems(body.data) : [];
    if (problems.length) return invalidForm(problems);
    state.acked = true;
    const flags = Number(body.data?.flags ?? 0);
    state.ephemeral = (flags & 64) !== 0;
    if (body.type === 4 || body.type === 5)
      state.original = messageObject(CHANNEL_ID, body.data ?? {}, flags);
    if (r.query.with_response === 'true') {
      return {
        status: 200,
        body: {
          interaction: { id: state.id, type: 2, response_message_id: state.original?.id },
          resource: { type: body.type, message: state.original },
        },
      };
    }
    return { status: 204 };
  }

  private withOriginal(
    r: Parsed,
    then: (m: ReturnType<typeof messageObject>) => ScriptedResponse,
  ): ScriptedResponse {
    const state = this.interactions.get(r.params[1]!);
    if (!state || r.params[0] !== this.options.applicationId) {
      return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    }
    if (!state.original) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
    return then(state.original);
  }

  private editOriginal(r: Parsed): ScriptedResponse {
    return this.withOriginal(r, (m) => {
      const problems = messageProblems(r.body);
      if (problems.length) return invalidForm(problems);
      const edited = { ...m, ...(r.body as object), edited_timestamp: new Date().toISOString() };
      const state = this.interactions.get(r.params[1]!)!;
      state.original = edited;
      return { status: 200, body: edited };
    });
  }

  private followUp(r: Parsed): ScriptedResponse {
    const state = this.interactions.get(r.params[1]!);
    if (!state || r.params[0] !== this.options.applicationId) {
      return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    }
    if (!state.acked)
      return { status: 400, body: { message: 'Interaction has not been acknowledged.', code: 40060 } };
    const problems = messageProblems(r.body);
    if (problems.length) return invalidForm(problems);
    const flags = Number((r.body as { flags?: number }).flags ?? 0);
    return {
      status: 200,
      body: messageObject(CHANNEL_ID, r.body as Record<string, unknown>, flags),
    };
  }

  /** Unknown channels are 404 / 10003; `enforce_nonce` returns the earlier message instead of a new one. */
  private channelMessage(r: Parsed): ScriptedResponse {
    const channelId = r.params[0]!;
    if (!this.options.channels.includes(channelId)) {
      return { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
    }
    const problems = messageProblems(r.body);
    if (problems.length) return invalidForm(problems);
    const body = r.body as Record<string, unknown>;
    const posted = this.channelMessages.get(channelId) ?? [];
    const remembered = Date.now() - this.options.nonceWindowMs;
    const earlier =
      body.enforce_nonce &&
      posted.find((m) => m.nonce !== undefined && m.nonce === body.nonce && Date.parse(m.timestamp) >= remembered);
    if (earlier) return { status: 200, body: earlier };
    const message = { ...messageObject(channelId, body), nonce: body.nonce as string | undefined };
    this.channelMessages.set(channelId, [...posted, message]);
    return { status: 200, body: message };
  }

  private putCommands(r: Parsed): ScriptedResponse {
    if (r.params[0] !== this.options.applicationId)
      return { status: 403, body: { message: 'Missing Access', code: 50001 } };
    const problems = commandProblems(r.body);
    if (problems.length) return invalidForm(problems);
    const key = r.params[1] ?? 'global';
    const before = new Map((this.commands.get(key) ?? []).map((c) => [c.name, c]));
    // Echo what Discord adds, so callers must compare only the fields they send.
    const stored = (r.body as Record<string, unknown>[]).map((c) => ({
      id: (before.get(c.name)?.id as string | undefined) ?? snowflake(),
      application_id: this.options.applicationId,
      version: snowflake(),
      type: 1,
      nsfw: false,
      dm_permission: true,
      integration_types: [0],
      contexts: null,
      description_localizations: null,
      name_localizations: null,
      ...(r.params[1] ? { guild_id: r.params[1] } : {}),
      ...c,
    }));
    this.commands.set(key, stored);
    return { status: 200, body: stored };
  }
}
