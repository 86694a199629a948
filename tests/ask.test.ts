import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { ask } from '../src/main/ask.js';
import { discordViolations, slackViolations } from './helpers/limits.js';

const briefs = new BriefLibrary('briefs');
briefs.load();
const nato = briefs.get('nato-status')!;

describe('briefbot ask (preview)', () => {
  it('prints the text answer', async () => {
    const out = await ask('/nato-status section:facts', 'text', 'briefs');
    expect(out).toContain(nato.status);
    for (const f of nato.facts) expect(out).toContain(f.text);
  });

  it('exits 1 when the answer is an error (an unknown command or section), so a script can tell', () => {
    const run = (line: string) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ask', line], { encoding: 'utf8' });
    const unknown = run('/nope');
    expect(unknown.stdout).toContain("I don't know the command /nope");
    expect(unknown.status).toBe(1);
    expect(run('/nato-status section:bogus').status).toBe(1);
    expect(run('/nato-status section:facts').status).toBe(0);
  });

  it('prints the exact Discord payload', async () => {
    const message = JSON.parse(await ask('/nato-status', 'discord', 'briefs'));
    expect(message.embeds[0].title).toBe(nato.title);
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(discordViolations(message)).toEqual([]);
  });

  it('prints the exact Slack payload, under Slack names', async () => {
    const message = JSON.parse(await ask('/nato-status share', 'slack', 'briefs'));
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: nato.title, emoji: false } });
    expect(message.response_type).toBe('in_channel');
    expect(slackViolations(message)).toEqual([]);
    expect(await ask('/briefbot-help', 'slack', 'briefs')).toContain('/briefbot-help');
  });

  it('prints the platform-free Reply as json', async () => {
    const reply = JSON.parse(await ask('/nato-status section:sources', 'json', 'briefs'));
    expect(reply.sections[0].items.map((i: { url: string }) => i.url)).toEqual(nato.sources.map((s) => s.url));
  });

  it('previewing a brief with problems says what they are, not only that there is no such brief', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-ask-'));
    try {
      cpSync('briefs', dir, { recursive: true });
      const file = join(dir, 'nato-status.md');
      writeFileSync(file, readFileSync(file, 'utf8').replace('status. [s2]', 'status. [s9]'));
      const warnings: string[] = [];
      const out = await ask('/nato-status', 'text', dir, (t) => warnings.push(t));
      expect(out).toContain("There is no brief on 'nato-status'");
      expect(warnings.join('')).toMatch(new RegExp(`^${file}:\\d+: cites \\[s9\\] but no source has id 's9'\nA brief with these problems is not loaded here; the running bot keeps answering its last good version\\.`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
