import { isValidSlackRequest, webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { BRIEF_SECTIONS, briefReply } from '../src/core/briefs/to-reply.js';
import { renderSlack } from '../src/platforms/slack/render.js';
import { FakeSlack, messageError, signedRequest, slashCommandFields } from './fakes/fake-slack.js';
import { BRIEFS_DIR, failOnUnhandledRejections, SIGNING_SECRET } from './fakes/slack-harness.js';

/** The fake behaves like Slack where our code depends on it, checked with Slack's own client. */

failOnUnhandledRejections();
let fake: FakeSlack;
let client: webApi.WebClient;
beforeAll(async () => {
  fake = await FakeSlack.start();
  client = new webApi.WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(() => fake?.close());

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
const slackError = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof webApi.WebAPIPlatformError ? String(e.data.error) : String(e)),
  );

describe('chat.postMessage enforces Block Kit limits', () => {
  it('accepts a valid message and records blocks as the JSON string sent', async () => {
    const result = await client.chat.postMessage({
      channel: 'C1',
      text: 'hi',
      blocks: [header('Hi'), section('there')],
    });
    expect(result.ok).toBe(true);
    const recorded = fake.calls('chat.postMessage').at(-1)!;
    expect(recorded.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(JSON.parse(String(recorded.body.blocks))).toHaveLength(2);
  });

  it.each([
    ['51 blocks', { blocks: Array.from({ length: 51 }, () => section('x')) }, 'invalid_blocks'],
    ['section text of 3001', { blocks: [section('x'.repeat(3001))] }, 'invalid_blocks'],
    ['header of 151', { blocks: [header('x'.repeat(151))] }, 'invalid_blocks'],
    ['text of 40 001', { text: 'x'.repeat(40_001) }, 'msg_too_long'],
  ])('refuses %s', async (_name, message, error) => {
    expect(await slackError(client.chat.postMessage({ channel: 'C1', text: 'fallback', ...message }))).toBe(
      error,
    );
  });

  it('every brief, every section, as we render it, is a message Slack accepts', () => {
    const library = new BriefLibrary(BRIEFS_DIR);
    library.load();
    expect(library.list().length).toBeGreaterThan(0);
    for (const brief of library.list()) {
      for (const s of BRIEF_SECTIONS) {
        const reply = briefReply(brief, {
          section: s,
          ephemeral: true,
          now: new Date(),
          command: `/${brief.topic}`,
        });
        expect(messageError(renderSlack(reply).message), `${brief.topic} ${s}`).toBeUndefined();
      }
    }
  });
});

describe('scripted failures and unknown methods', () => {
  it('429 with Retry-After: the client waits and retries', async () => {
    const retrying = new webApi.WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 1 },
    });
    fake.script('chat.postMessage', { status: 429, retryAfter: 1 });
    const before = fake.calls('chat.postMessage').length;
    const started = performance.now();
    expect((await retrying.chat.postMessage({ channel: 'C1', text: 'later' })).ok).toBe(true);
    expect(performance.now() - started).toBeGreaterThan(900);
    expect(fake.calls('chat.postMessage').length - before).toBe(2);
  });

  it('500: an HTTP error, not retried with retries: 0', async () => {
    fake.script('users.info', { status: 500 });
    const error = await client.users.info({ user: 'U1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(webApi.WebAPIHTTPError);
  });

  it('users.info reports configured admins', async () => {
    fake.admins.add('U0BOSS');
    expect((await client.users.info({ user: 'U0BOSS' })).user?.is_admin).toBe(true);
    expect((await client.users.info({ user: 'U0ANY' })).user?.is_admin).toBe(false);
  });

  it('an unknown method answers unknown_method and is recorded as unmatched', async () => {
    expect(await slackError(client.apiCall('conversations.nonsense'))).toBe('unknown_method');
    expect(fake.unmatched.map((r) => r.apiMethod)).toEqual(['conversations.nonsense']);
    fake.unmatched.length = 0;
  });
});

describe('signedRequest signs as Slack does (checked by Bolt’s verifier)', () => {
  const verify = (req: ReturnType<typeof signedRequest>) =>
    isValidSlackRequest({
      signingSecret: SIGNING_SECRET,
      body: req.body,
      headers: {
        'x-slack-signature': req.headers['x-slack-signature']!,
        'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
      },
    });

  it('valid by default; invalid when forged or stale', () => {
    const fields = slashCommandFields({ command: '/nato-status', text: 'section:facts share' });
    expect(verify(signedRequest(fields, { signingSecret: SIGNING_SECRET }))).toBe(true);
    expect(verify(signedRequest(fields, { signingSecret: SIGNING_SECRET, badSignature: true }))).toBe(false);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect(verify(signedRequest(fields, { signingSecret: SIGNING_SECRET, timestamp: stale }))).toBe(false);
  });
});
