import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.js';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { dispatchText } from '../src/core/commands/dispatch.js';
import type { CommandContext, Headline } from '../src/core/commands/types.js';
import type { Reply } from '../src/core/reply.js';
import { renderDiscord } from '../src/platforms/discord/render.js';
import { renderSlack } from '../src/platforms/slack/render.js';

// A brief view is built once and reused (core/briefs/reply-memo.ts) and rendered once per platform
// (platforms/render-once.ts). These tests pin what must still change: the age label with the day,
// the headlines with the news, the text with the file.

/** The full view's headlines: its last section. */
const headlinesOf = (reply: Reply) => reply.sections.find((s) => s.key === 'headlines')!;
describe('brief views are reused only while nothing they show has changed', () => {
  let dir: string;
  let briefs: BriefLibrary;
  let now: Date;
  let headlines: Headline[];
  let context: CommandContext;
  const ask = (line: string) =>
    dispatchText(line, { platform: 'slack', user: { id: 'u1' }, channelId: 'c1', canManageChannel: false }, context);
  const footer = async (line: string) => (await ask(line)).footer;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'briefbot-views-'));
    copyFileSync('briefs/nato-status.md', join(dir, 'nato-status.md'));
    writeFileSync(
      join(dir, 'nato-status.md'),
      readFileSync(join(dir, 'nato-status.md'), 'utf8').replace(/^updated: .*$/m, 'updated: 2026-11-01'),
    );
    briefs = new BriefLibrary(dir);
    briefs.load();
    now = new Date('2026-11-20T09:00:00Z');
    headlines = [];
    context = { briefs, commands, now: () => now, headlines: async () => headlines };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the same view as one frozen Reply, rendered once per platform', async () => {
    const a = await ask('/nato-status section:facts');
    const b = await ask('/nato-status section:facts');
    expect(b).toBe(a);
    expect(Object.isFrozen(a.sections[0]!.items[0])).toBe(true);
    expect(renderSlack(b)).toBe(renderSlack(a));
    expect(renderDiscord(b)).toBe(renderDiscord(a));
    // The rendered message is frozen too: a library that tried to change the shared copy would throw.
    expect(Object.isFrozen(renderSlack(a).message.blocks[0])).toBe(true);
    // Other views are other answers.
    expect((await ask('/nato-status section:timeline')).sections[0]!.key).toBe('timeline');
    expect((await ask('/nato-status section:facts share')).ephemeral).toBe(false);
    expect((await ask('/brief topic:nato-status section:facts')).footer).toContain('/brief topic:nato-status section:sources');
  });

  it('a fresh Reply (an error) is rendered every time, not from a cache', async () => {
    const a = await ask('/nato-status section:nonsense');
    expect(Object.isFrozen(a)).toBe(false);
    expect(renderSlack(a)).not.toBe(renderSlack(a));
  });

  it('the age label follows the clock across midnight and into staleness', async () => {
    expect(await footer('/nato-status')).toBe('Last reviewed 2026-11-01 (19 days ago) · 4 sources: /nato-status section:sources');
    now = new Date('2026-11-20T23:59:00Z');
    expect(await footer('/nato-status')).toContain('(19 days ago)');
    now = new Date('2026-11-21T00:01:00Z');
    expect(await footer('/nato-status')).toContain('(20 days ago)');
    now = new Date('2026-12-02T00:00:00Z');
    const stale = await ask('/nato-status');
    expect(stale.footer).toContain('Last reviewed 31 days ago (2026-11-01): this brief may be out of date');
    expect(stale.tone).toBe('warning');
  });

  it('new headlines show at once in the full view', async () => {
    expect((await ask('/nato-status')).sections.map((s) => s.key)).not.toContain('headlines');
    headlines = [{ title: 'Petro confirms NATO exit', url: 'https://example.org/a', outlets: ['Wire'], published: new Date('2026-11-19T10:00:00Z') }];
    const first = await ask('/nato-status');
    expect(headlinesOf(first).items.map((i) => i.text)).toEqual(['Petro confirms NATO exit']);
    headlines = [{ ...headlines[0]!, outlets: ['Wire', 'Diario'] }];
    const second = await ask('/nato-status');
    expect(headlinesOf(second).items[0]!.detail).toBe('Wire, Diario · 2026-11-19');
    // A headline no feed dated says the date is when the bot saw it.
    headlines = [{ ...headlines[0]!, seen: true }];
    expect(headlinesOf(await ask('/nato-status')).items[0]!.detail).toBe('Wire, Diario · seen 2026-11-19');
  });

  it('a headline whose feed names 120 outlets lists four, and the brief is not cut to fit them', async () => {
    const outlets = Array.from({ length: 120 }, (_, i) => `Outlet Number ${i} International`);
    headlines = [{ title: 'Colombia suspends NATO partnership talks', url: 'https://example.org/a', outlets, published: new Date('2026-11-19T10:00:00Z') }];
    const reply = await ask('/nato-status');
    expect(headlinesOf(reply).items[0]!.detail).toBe(
      'Outlet Number 0 International, Outlet Number 1 International, Outlet Number 2 International, Outlet Number 3 International + 116 more · 2026-11-19',
    );
    expect(renderDiscord(reply).trimmed).toEqual([]);
    expect(renderSlack(reply).trimmed).toEqual([]);
  });

  it('an edited brief file is served as edited after the reload', async () => {
    const file = join(dir, 'nato-status.md');
    const before = await ask('/nato-status section:facts');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: Colombia and NATO, revised'));
    briefs.load();
    const after = await ask('/nato-status section:facts');
    expect(before.title).toBe('Colombia and NATO');
    expect(after.title).toBe('Colombia and NATO, revised');
    expect(renderSlack(after).message.text).toContain('revised');
  });
});
