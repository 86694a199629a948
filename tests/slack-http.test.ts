import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.js';
import type { Brief } from '../src/core/briefs/schema.js';
import { type CommandModule, nameOn } from '../src/core/commands/types.js';
import { textReply } from '../src/core/reply.js';
import { FakeSlack, messageError, signedRequest, slashCommandFields } from './fakes/fake-slack.js';
import {
  failOnUnhandledRejections,
  metric,
  SIGNING_SECRET,
  type SlackBot,
  sleep,
  startSlackBot,
} from './fakes/slack-harness.js';

/**
 * HTTP mode end to end: signed slash commands over loopback into the real Bolt HTTPReceiver,
 * routed from our one HTTP server, answered from the loaded briefs.
 */

interface SlackAnswer {
  response_type: string;
  text: string;
  blocks: { type: string; text?: { text: string } }[];
}

const slow: CommandModule = {
  definition: { name: 'slow-test', description: 'Sleeps 2.5 s', options: [], help: 'test only' },
  handle: async () => {
    await sleep(2500);
    return textReply('Slow answer', 'worth the wait');
  },
};
const boom: CommandModule = {
  definition: { name: 'boom-test', description: 'Throws', options: [], help: 'test only' },
  handle: () => {
    throw new Error('handler exploded');
  },
};
const managers: CommandModule = {
  definition: {
    name: 'managers-test',
    description: 'Managers only',
    options: [],
    help: 'test only',
    managersOnly: true,
  },
  handle: () => textReply('Manager tool', 'done'),
};

failOnUnhandledRejections();
let fake: FakeSlack;
let bot: SlackBot;
const latencies: number[] = [];

beforeAll(async () => {
  fake = await FakeSlack.start();
  bot = await startSlackBot(fake, {
    env: { SLACK_ADMIN_USERS: 'U0LISTED' },
    extraCommands: [slow, boom, managers],
  });
});
afterAll(async () => {
  await bot?.running.stop();
  await fake?.close();
  if (latencies.length > 0) {
    const sorted = [...latencies].sort((a, b) => a - b);
    console.info(
      `slack http ack latency ms: median ${sorted[sorted.length >> 1]?.toFixed(1)}, max ${sorted.at(-1)?.toFixed(1)}`,
    );
  }
});

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const blockText = (a: SlackAnswer) => a.blocks.map((b) => b.text?.text ?? '').join('\n');

/** Every source the brief cites in its full view, as Slack links. */
function citedLinks(brief: Brief): string[] {
  const cited = new Set(
    [brief.summary, ...brief.facts, ...brief.timeline, ...brief.watch].flatMap((c) => c.refs),
  );
  return brief.sources.filter((s) => cited.has(s.id)).map((s) => `<${s.url}|${esc(s.publisher)}>`);
}

async function ask(text: string, command: string, user = 'U0USER'): Promise<SlackAnswer> {
  const { res, ms } = await bot.command({ command: `/${command}`, text, user_id: user });
  latencies.push(ms);
  expect(res.status).toBe(200);
  expect(ms).toBeLessThan(3000);
  expect(res.headers.get('content-type')).toContain('application/json');
  const answer = (await res.json()) as SlackAnswer;
  expect(messageError(answer)).toBeUndefined();
  return answer;
}

describe('every command over signed HTTP', () => {
  // The brief each command shows: its own topic, or for /brief the first loaded topic.
  const needsTopic = (c: CommandModule) => c.definition.options.some((o) => o.name === 'topic');
  const topicOf = (c: CommandModule) =>
    needsTopic(c) ? bot.core.briefs.list()[0]!.topic : c.definition.name;
  // Commands that show a brief take section:…; any other command gets the generic check below.
  const briefCommands = commands.filter((c) => c.definition.options.some((o) => o.name === 'section'));

  it.each(commands.map((c) => nameOn(c.definition, 'slack')))(
    '/%s is registered and answers within the ack with a message Slack accepts',
    async (name) => {
      const answer = await ask('', name);
      expect(answer.blocks[0]?.type).toBe('header');
    },
  );

  it.each(briefCommands.map((c) => [nameOn(c.definition, 'slack'), c] as const))(
    '/%s answers with the brief: title, status, source links, ephemeral',
    async (name, c) => {
      const topic = topicOf(c);
      const brief = bot.core.briefs.get(topic);
      expect(brief, `brief ${topic} is loaded`).toBeDefined();
      const text = needsTopic(c) ? `topic:${topic}` : '';
      const answer = await ask(text, name);
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.blocks[0]).toMatchObject({ type: 'header', text: { text: brief!.title } });
      expect(
        answer.blocks.some((b) => b.type === 'section' && b.text?.text === `*${esc(brief!.status)}*`),
      ).toBe(true);
      const links = citedLinks(brief!);
      expect(links.length).toBeGreaterThan(0);
      for (const link of links) expect(blockText(answer)).toContain(link);
    },
  );

  it.each(briefCommands.map((c) => [nameOn(c.definition, 'slack'), c] as const))(
    '/%s share posts in the channel',
    async (name, c) => {
      const text = needsTopic(c) ? `topic:${topicOf(c)} share` : 'share';
      expect((await ask(text, name)).response_type).toBe('in_channel');
    },
  );

  it('section:sources lists every source of the brief', async () => {
    const brief = bot.core.briefs.get('nato-status')!;
    const answer = await ask('section:sources', 'nato-status');
    for (const s of brief.sources) expect(blockText(answer)).toContain(`<${s.url}|`);
  });

  it('/briefbot-help lists the commands under their Slack names', async () => {
    const answer = await ask('', 'briefbot-help');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.blocks[0]).toMatchObject({ type: 'header', text: { text: 'briefbot' } });
    for (const c of commands) expect(blockText(answer)).toContain(`/${nameOn(c.definition, 'slack')}`);
  });

  it('a command Slack sends that briefbot does not serve (an old manifest) gets a pointer to help', async () => {
    const answer = await ask('', 'nato-stauts');
    expect(answer.response_type).toBe('ephemeral');
    expect(blockText(answer)).toContain("I don't know the command /nato-stauts. Did you mean /nato-status? Try /briefbot-help.");
  });

  it('a bad option gets a usage hint, still within the ack', async () => {
    const answer = await ask('section:nonsense', 'nato-status');
    expect(answer.blocks[0]).toMatchObject({ text: { text: 'Sorry' } });
    expect(blockText(answer)).toContain('section must be one of');
    // Under the name Slack knows it by: `/help` is Slack's own command.
    expect(blockText(await ask('digest extra', 'briefbot-help'))).toContain('Usage: /briefbot-help');
  });

  it('command text reads as the user typed it: Slack sends & < > as entities', async () => {
    // The user typed `topic:nato-status&china`; Slack sends `&amp;`.
    const text = blockText(await ask('topic:nato-status&amp;china', 'brief'));
    expect(text).toContain('nato-status&amp;china');
    expect(text).not.toContain('&amp;amp;');
  });
});

describe('signature verification (Bolt’s own)', () => {
  it('a forged signature gets 401 and runs nothing', async () => {
    const before = await metric(bot, 'briefbot_commands_total', { command: 'nato-status', outcome: 'ok' });
    const { res } = await bot.command({ command: '/nato-status' }, { badSignature: true });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('');
    expect(await metric(bot, 'briefbot_commands_total', { command: 'nato-status', outcome: 'ok' })).toBe(
      before,
    );
    // The operator is told which setting to check, once a minute at most.
    await bot.command({ command: '/nato-status' }, { badSignature: true });
    expect(bot.logs.matching('SLACK_SIGNING_SECRET is wrong (it is the app')).toHaveLength(1);
  });

  it('a timestamp older than 5 minutes gets 401 and runs nothing', async () => {
    const commandLines = bot.logs.matching('"msg":"command"').length;
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const { res } = await bot.command({ command: '/nato-status' }, { timestamp: stale });
    expect(res.status).toBe(401);
    expect(bot.logs.matching('"msg":"command"').length).toBe(commandLines);
    expect(bot.logs.matching('Failed to parse and verify the request data').length).toBeGreaterThan(0);
  });

  it('missing signature headers get 401 and run nothing', async () => {
    const commandLines = bot.logs.matching('"msg":"command"').length;
    const signed = signedRequest(slashCommandFields({ command: '/nato-status' }), { signingSecret: SIGNING_SECRET });
    for (const drop of [['x-slack-signature'], ['x-slack-request-timestamp'], ['x-slack-signature', 'x-slack-request-timestamp']]) {
      const headers = Object.fromEntries(Object.entries(signed.headers).filter(([k]) => !drop.includes(k)));
      const res = await fetch(bot.url('/slack/events'), { ...signed, headers });
      expect(res.status, `without ${drop.join(', ')}`).toBe(401);
    }
    expect(bot.logs.matching('"msg":"command"').length).toBe(commandLines);
  });

  it('a correctly signed timestamp 10 minutes in the future gets 401 (our absolute window; Bolt would accept it)', async () => {
    const commandLines = bot.logs.matching('"msg":"command"').length;
    const future = Math.floor(Date.now() / 1000) + 10 * 60;
    const { res } = await bot.command({ command: '/nato-status' }, { timestamp: future });
    expect(res.status).toBe(401);
    expect(bot.logs.matching('"msg":"command"').length).toBe(commandLines);
    expect(bot.logs.matching('outside the 5-minute window').length).toBeGreaterThan(0);
    // Just inside the window is fine.
    const { res: ok } = await bot.command({ command: '/nato-status' }, { timestamp: Math.floor(Date.now() / 1000) + 4 * 60 });
    expect(ok.status).toBe(200);
  });

  it('GET on /slack/events is refused', async () => {
    expect((await fetch(bot.url('/slack/events'))).status).toBe(405);
  });
});

describe('slow answers, errors and managers', () => {
  it('a command slower than the ack budget is acked empty at once, then answered on response_url', async () => {
    const started = performance.now();
    const { res, ms } = await bot.command({
      command: '/slow-test',
      response_url: fake.responseUrl('slow-1'),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(ms).toBeGreaterThan(1900);
    expect(ms).toBeLessThan(2900);
    const [body] = await fake.response('slow-1');
    expect(performance.now() - started).toBeLessThan(4000);
    expect(body).toMatchObject({ response_type: 'ephemeral', text: 'Slow answer' });
    expect((body as unknown as SlackAnswer).blocks[0]).toMatchObject({
      type: 'header',
      text: { text: 'Slow answer' },
    });
  });

  it('a handler that throws gets an ephemeral apology with the error id that is in the log', async () => {
    const answer = await ask('', 'boom-test');
    expect(answer.response_type).toBe('ephemeral');
    const errorId = /logged as error ([0-9a-f]{8})/.exec(blockText(answer))?.[1];
    expect(errorId).toBeDefined();
    expect(bot.logs.lines.some((l) => l.errorId === errorId && l.level === 50)).toBe(true);
  });

  it('a failing response_url delivery is logged with an error id', async () => {
    fake.script('response', { status: 500 }, { status: 500 });
    const { res } = await bot.command({ command: '/slow-test', response_url: fake.responseUrl('slow-fail') });
    expect(res.status).toBe(200);
    await expect
      .poll(() => bot.logs.matching('could not deliver the apology').length, { timeout: 5000 })
      .toBe(1);
    expect(bot.logs.matching('slack: could not answer a command')[0]).toMatchObject({
      command: 'slow-test',
      acked: true,
    });
  });

  it('managers-only: SLACK_ADMIN_USERS and workspace admins may, others may not', async () => {
    expect((await ask('', 'managers-test', 'U0LISTED')).blocks[0]).toMatchObject({
      text: { text: 'Manager tool' },
    });
    fake.admins.add('U0ADMIN');
    expect((await ask('', 'managers-test', 'U0ADMIN')).blocks[0]).toMatchObject({
      text: { text: 'Manager tool' },
    });
    const refused = await ask('', 'managers-test', 'U0PLAIN');
    expect(blockText(refused)).toContain('Only channel managers');
    expect(fake.calls('users.info').map((r) => r.body.user)).toContain('U0ADMIN');
  });

  it('a brief is answered without asking Slack who the user is; a managers-only command asks', async () => {
    const asked = () => fake.calls('users.info').map((r) => r.body.user);
    await ask('section:facts', 'nato-status', 'U0NEWCOMER');
    await ask('', 'briefbot-help', 'U0NEWCOMER');
    expect(asked()).not.toContain('U0NEWCOMER');
    expect(blockText(await ask('', 'managers-test', 'U0NEWCOMER'))).toContain('Only channel managers');
    expect(asked()).toContain('U0NEWCOMER');
  });

  it('managers-only: users.info failing counts as not a manager, and is logged', async () => {
    fake.admins.add('U0FLAKY');
    fake.script('users.info', { status: 500 });
    expect(blockText(await ask('', 'managers-test', 'U0FLAKY'))).toContain('Only channel managers');
    expect(bot.logs.matching('users.info failed').length).toBeGreaterThan(0);
  });
});

describe('operations', () => {
  it('/readyz is ready and /metrics counts the commands sent', async () => {
    const ready = await fetch(bot.url('/readyz'));
    expect(ready.status).toBe(200);
    const before = await metric(bot, 'briefbot_commands_total', {
      platform: 'slack',
      command: 'china-ties',
      outcome: 'ok',
    });
    await ask('', 'china-ties');
    await ask('section:facts', 'china-ties');
    expect(
      await metric(bot, 'briefbot_commands_total', {
        platform: 'slack',
        command: 'china-ties',
        outcome: 'ok',
      }),
    ).toBe(before + 2);
  });

  it('nothing reached an unknown Web API method', () => {
    expect(fake.unmatched).toEqual([]);
  });
});
