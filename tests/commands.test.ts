import { describe, expect, it } from 'vitest';
import { commands } from '../commands/index.js';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { briefReply } from '../src/core/briefs/to-reply.js';
import { autocomplete, type CommandEvent, dispatchText } from '../src/core/commands/dispatch.js';
import { parseCommandText } from '../src/core/commands/parse-text.js';
import type { CommandContext, CommandModule, Platform } from '../src/core/commands/types.js';
import { renderText } from '../src/platforms/local/render.js';

const briefs = new BriefLibrary('briefs');
briefs.load();
const boom: CommandModule = {
  definition: { name: 'boom', description: 'fails', options: [], help: 'fails' },
  handle: () => {
    throw new Error('kaboom');
  },
};
const admin: CommandModule = {
  definition: { name: 'admin-only', description: 'x', options: [], help: 'x', managersOnly: true },
  handle: () => ({ title: 'done', sections: [], ephemeral: true, tone: 'info' }),
};
const context: CommandContext = { briefs, commands: [...commands, boom, admin], now: () => new Date('2026-11-23T12:00:00Z') };

async function ask(line: string, platform: Platform = 'local', canManageChannel = false) {
  const events: CommandEvent[] = [];
  const reply = await dispatchText(
    line,
    { platform, user: { id: 'u1' }, channelId: 'c1', canManageChannel },
    context,
    (e) => events.push(e),
  );
  return { reply, events, text: renderText(reply) };
}

describe('commands', () => {
  it.each(['nato-status', 'decertification', 'china-ties'])('/%s answers with its brief, private by default', async (topic) => {
    const brief = briefs.get(topic)!;
    const { reply, events } = await ask(`/${topic}`);
    expect(reply.title).toBe(brief.title);
    expect(reply.status).toBe(brief.status);
    expect(reply.ephemeral).toBe(true);
    expect(reply.sections.map((s) => s.key)).toEqual(['status', 'facts', 'timeline', 'watch']);
    expect(events).toMatchObject([{ command: topic, outcome: 'ok', platform: 'local' }]);
  });

  it('chooses a section and shares to the channel', async () => {
    const { reply } = await ask('/nato-status timeline share');
    expect(reply.sections.map((s) => s.key)).toEqual(['timeline']);
    expect(reply.ephemeral).toBe(false);
    const named = await ask('/nato-status section:sources share:false');
    expect(named.reply.sections.map((s) => s.key)).toEqual(['sources']);
    expect(named.reply.ephemeral).toBe(true);
  });

  it('/brief serves any topic and names the known ones for an unknown topic', async () => {
    expect((await ask('/brief china-ties')).reply.title).toBe(briefs.get('china-ties')!.title);
    const { text } = await ask('/brief topic:venezuela');
    expect(text).toContain("There is no brief on 'venezuela'. Briefs: china-ties, decertification, nato-status.");
    expect((await ask('/brief topic:nato-stauts')).text).toContain("There is no brief on 'nato-stauts'. Did you mean nato-status? Briefs:");
    expect((await ask('/china-tie')).text).toContain("I don't know the command /china-tie. Did you mean /china-ties? Try /help.");
  });

  it('/brief autocompletes over the loaded briefs', () => {
    expect(autocomplete('brief', 'topic', 'chi', context, 'discord').map((c) => c.value)).toEqual(['china-ties']);
    expect(autocomplete('brief', 'topic', '', context, 'discord')).toHaveLength(3);
  });

  it('/brief autocomplete cuts a long title to 100 characters without splitting an emoji', () => {
    const sample = new BriefLibrary('tests/fixtures/briefs/good');
    sample.load();
    // 'sample: ' is 8 characters; the emoji's two halves would sit at 100 and 101, and Discord takes 100.
    const long = { ...sample.get('sample')!, title: `${'x'.repeat(91)}🛰️ and more` };
    const briefs = { get: () => long, list: () => [long] };
    const [choice] = autocomplete('brief', 'topic', '', { ...context, briefs }, 'discord');
    expect(choice!.name).toBe(`sample: ${'x'.repeat(91)}`);
  });

  it('a brief with one source says "1 source" in its footer', () => {
    const sample = new BriefLibrary('tests/fixtures/briefs/good');
    sample.load();
    const brief = sample.get('sample')!;
    const options = { section: 'all', ephemeral: true, now: new Date('2025-11-02T12:00:00Z'), command: '/sample' } as const;
    expect(briefReply({ ...brief, sources: brief.sources.slice(0, 1) }, options).footer).toBe('Last reviewed 2025-11-01 (1 day ago) · 1 source: /sample section:sources');
    expect(briefReply(brief, options).footer).toBe('Last reviewed 2025-11-01 (1 day ago) · 2 sources: /sample section:sources');
  });

  it('explains a bad option with the usage line', async () => {
    const { text, events } = await ask('/nato-status section:everything');
    expect(text).toContain('section must be one of all, status, facts, timeline, watch, sources.');
    expect(text).toContain('Usage: /nato-status [section:all|status|facts|timeline|watch|sources] [share]');
    expect(events[0]?.outcome).toBe('invalid');
  });

  it('answers an unknown command with a pointer to help, under the name each platform uses', async () => {
    expect((await ask('/weather')).text).toContain("I don't know the command /weather. Try /help.");
    expect((await ask('/weather', 'slack')).text).toContain('Try /briefbot-help.');
  });

  it('/help lists every command and brief', async () => {
    const { text } = await ask('/help');
    for (const c of commands) expect(text).toContain(`/${c.definition.name}`);
    for (const b of briefs.list()) expect(text).toContain(b.title);
  });

  it('/help explains one command, its options and their choices, under the name the platform knows it by', async () => {
    const { text } = await ask('/help digest');
    expect(text).toContain('/digest');
    expect(text).toContain('action: What to do (list, preview, subscribe, unsubscribe, now); required');
    expect((await ask('/help command:/nato-status')).text).toContain('section: Which part of the brief (default: all) (all, status, facts, timeline, watch, sources)');
    expect((await ask('/briefbot-help help', 'slack')).reply.title).toBe('/briefbot-help');
    // Slack keeps /help for itself: its pointers name /briefbot-help.
    expect((await ask('/briefbot-help', 'slack')).reply.footer).toContain('/briefbot-help command:digest explains one command.');
    expect((await ask('/help weather')).text).toContain('There is no command /weather. Commands: /nato-status');
  });

  it('turns a handler error into an apology with an error id that is also reported', async () => {
    const { text, events } = await ask('/boom');
    const id = /logged as error ([0-9a-f]{8})/.exec(text)?.[1];
    expect(id).toBeDefined();
    expect(events).toMatchObject([{ command: 'boom', outcome: 'error', errorId: id }]);
    expect((events[0]!.error as Error).message).toBe('kaboom');
  });

  it('refuses manager-only commands to others', async () => {
    expect((await ask('/admin-only')).text).toContain('Only channel managers can use /admin-only.');
    expect((await ask('/admin-only', 'local', true)).reply.title).toBe('done');
  });
});

describe('typed options', () => {
  const def = commands.find((c) => c.definition.name === 'brief')!.definition;
  it('reads name:value, bare choices, flags and quoted values', () => {
    expect(parseCommandText(def, 'topic:nato-status facts share')).toEqual({
      ok: true,
      options: { topic: 'nato-status', section: 'facts', share: true },
    });
    expect(parseCommandText(def, 'topic:"china-ties" share:no')).toEqual({
      ok: true,
      options: { topic: 'china-ties', share: false },
    });
  });
  it('names a missing required option', () => {
    expect(parseCommandText(def, 'facts')).toMatchObject({ ok: false, error: expect.stringMatching(/^topic is required\./) });
  });

  it('reads what people type: a list with spaces after its commas, a choice in capitals, curly quotes; an option twice is refused', () => {
    const digest = commands.find((c) => c.definition.name === 'digest')!.definition;
    // china-ties was taken for the time, then time:08:00 replaced it: subscribed to nato-status alone.
    expect(parseCommandText(digest, 'subscribe topics:nato-status, china-ties time:08:00')).toMatchObject({
      ok: true,
      options: { action: 'subscribe', topics: 'nato-status,china-ties', time: '08:00' },
    });
    expect(parseCommandText(digest, 'subscribe topics:nato-status ,china-ties')).toMatchObject({ ok: true, options: { topics: 'nato-status,china-ties' } });
    expect(parseCommandText(def, 'topic:nato-status section:Facts')).toMatchObject({ ok: true, options: { section: 'facts' } });
    expect(parseCommandText(def, 'topic:“china-ties”')).toMatchObject({ ok: true, options: { topic: 'china-ties' } });
    expect(parseCommandText(def, 'topic:nato-status section:facts section:timeline')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^section is given twice\./),
    });
    // A word taken for an option, then the option named: the word was not meant for it.
    expect(parseCommandText(digest, 'subscribe topics:nato-status china-ties time:08:00')).toMatchObject({ ok: false, error: expect.stringMatching(/^I don't understand 'china-ties'\./) });
  });

  it('/brief finds a topic typed as a command, with spaces, a dash of another kind, or quotes', async () => {
    for (const typed of ['/nato-status', 'NATO status', 'nato–status', '"nato-status"']) {
      expect((await ask(`/brief topic:${typed.includes(' ') ? `"${typed}"` : typed}`)).reply.title, typed).toBe(briefs.get('nato-status')!.title);
    }
  });
});
