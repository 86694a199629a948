import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblem } from '../src/core/briefs/schema.js';
import { loadSubscriptionsFile } from '../src/core/digests/subscriptions-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const topics = ['china-ties', 'decertification', 'nato-status'];

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-subscriptions-'));
  dirs.push(dir);
  const path = join(dir, 'subscriptions.yaml');
  writeFileSync(path, text);
  return path;
}

describe('the subscriptions declared as code (SUBSCRIPTIONS_FILE)', () => {
  it('given the example, then it is clean', () => {
    const { subscriptions, problems, unknownTopics } = loadSubscriptionsFile('examples/subscriptions.yaml', undefined, topics);
    expect([...problems, ...unknownTopics]).toEqual([]);
    expect(subscriptions.map((s) => `${s.platform}:${s.channelId}`)).toEqual(['slack:C0123456789', 'discord:123456789012345678']);
  });

  it('given mistakes, then each is named with its line, and a topic no brief has is told apart', () => {
    const path = file(
      [
        'subscriptions:',
        '  - platform: slack',
        '    channelId: C1',
        '    topics: [nato-status, venezuela]',
        "    schedule: { time: '08:00', timezone: America/Bogota }",
        '  - platform: discord',
        "    channelId: '42'",
        '    topics: [china-ties]',
        "    schedule: { time: '25:00', timezone: Bogota }",
        'subscription: []',
        '',
      ].join('\n'),
    );
    expect(loadSubscriptionsFile(path, undefined, topics).problems.map(formatProblem)).toEqual([
      `${path}:9: subscriptions.1.schedule.time: time must be HH:MM, 24-hour`,
      `${path}:9: subscriptions.1.schedule.timezone: timezone must be an IANA zone such as America/Bogota`,
      `${path}:10: file: Unrecognized key: "subscription"`,
    ]);
    // Fixed: the unknown topic is kept (a brief may come back) but named: the channel would get no news on it.
    writeFileSync(path, readFileSync(path, 'utf8').replace("'25:00', timezone: Bogota", "'07:00', timezone: UTC").replace('subscription: []\n', ''));
    const fixed = loadSubscriptionsFile(path, undefined, topics);
    expect(fixed.problems).toEqual([]);
    expect(fixed.subscriptions[0]?.topics).toEqual(['nato-status', 'venezuela']);
    expect(fixed.unknownTopics.map(formatProblem)).toEqual([`${path}:4: slack:C1: unknown topic 'venezuela' (no brief names it)`]);
  });

  it('given to briefbot lint, then its problems are printed with the rest and lint fails', () => {
    const path = file("subscriptions:\n  - { platform: slack, channelId: C1, topics: [venezuela], schedule: { time: '08:00', timezone: UTC } }\n");
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'lint', 'briefs', '--subscriptions', path], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(`${path}:2: slack:C1: unknown topic 'venezuela' (no brief names it)\n`);
    expect(run.stderr).toContain('briefs, feeds and subscriptions: 1 problem(s)');
  });
});

