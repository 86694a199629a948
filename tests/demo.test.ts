import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';

const briefs = new BriefLibrary('briefs');
briefs.load();

/** Runs the real `npm run demo` with piped input, as a script would. */
function demo(input: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'briefbot-demo-'));
    const child = spawn('npm', ['run', '--silent', 'demo'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, DEMO_DATA_DIR: dataDir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('npm run demo', () => {
  it('answers piped commands and exits at end of input', async () => {
    // An operator's DATA_DIR is the real bot's store: the demo must leave it alone.
    const botData = mkdtempSync(join(tmpdir(), 'briefbot-real-'));
    const { code, stdout } = await demo('/help\n/china-ties\n/nato-status section:timeline\n/nonsense\n', { DATA_DIR: botData });
    expect(readdirSync(botData)).toEqual([]);
    rmSync(botData, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(stdout).toContain('briefbot demo: 3 briefs loaded');
    expect(stdout).toContain('you> /help');
    expect(stdout).toContain('/decertification [section:all|status|facts|timeline|watch|sources] [share]');
    const china = briefs.get('china-ties')!;
    expect(stdout).toContain(china.title.toUpperCase());
    expect(stdout).toContain(china.status);
    expect(stdout).toContain(china.facts[0]!.text);
    const nato = briefs.get('nato-status')!;
    for (const t of nato.timeline) expect(stdout).toContain(`${t.date}: ${t.text}`);
    expect(stdout).toContain("I don't know the command /nonsense. Try /help.");
  }, 40_000);

  it('polls the sample feeds and posts a digest into the terminal on /digest now, once', async () => {
    const { code, stdout } = await demo('/china-ties\n/digest now\n/digest now\n/digest list\n');
    expect(code).toBe(0);
    expect(stdout).toContain('4 sample feeds polled');
    // The brief gains the three newest tagged headlines from the polled feeds.
    const brief = stdout.slice(stdout.indexOf('you> /china-ties'), stdout.indexOf('you> /digest now'));
    // Last in the full view: a brief too long for a platform loses news links, not sourced facts.
    const headlines = brief.slice(brief.indexOf('Latest headlines:'));
    expect(brief.indexOf('Latest headlines:')).toBeGreaterThan(brief.indexOf('What to watch:'));
    expect(headlines.match(/^ {2}- /gm)).toHaveLength(3);
    expect(headlines).toContain('Belt and Road');
    const posted = stdout.split('[digest posted in #terminal]');
    expect(posted).toHaveLength(2); // exactly one digest
    const digest = posted[1]!;
    for (const b of briefs.list()) expect(digest).toContain(`${b.title}:`);
    // One story told by several outlets is one entry naming them all.
    expect(digest).toMatch(/Andes Wire, Hemisphere Monitor/);
    expect(digest).toContain('(Times in America/Bogota · Background briefs: /china-ties · /decertification · /nato-status)');
    expect(stdout).toMatch(
      /Nothing new to post on china-ties, decertification, nato-status since the last digest, \w+day, \d{1,2} \w+ \d{4}, \d\d:\d\d America\/Bogota \(\d{4}-\d{2}-\d{2} \d\d:\d\d UTC\)\./,
    );
    // The last one is the one just posted by /digest now.
    expect(stdout).toMatch(/Last digest: \w+day, \d{1,2} \w+ \d{4}, \d\d:\d\d America\/Bogota/);
    // When the next one comes, in the channel's zone first (the demo's: 08:00 in Bogotá, 13:00 UTC).
    expect(stdout).toMatch(/Next digest: \w+day, \d{1,2} \w+ \d{4}, 08:00 America\/Bogota \(\d{4}-\d{2}-\d{2} 13:00 UTC\)\./);
  }, 40_000);

  it('with nothing to post, /digest now says which topics and since when; /digest list says when the last one ran', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-demo-feeds-'));
    try {
      writeFileSync(join(dir, 'feeds.yaml'), 'feeds: []\n');
      const { code, stdout } = await demo('/digest list\n/digest preview\n/digest now\n/digest list\n', { DEMO_FEEDS_FILE: join(dir, 'feeds.yaml') });
      expect(code).toBe(0);
      const [before, preview, now, after] = stdout.split('you> ').slice(1);
      expect(before).not.toContain('Last digest');
      expect(preview).toContain('Nothing new on china-ties, decertification, nato-status in the last day: the next digest would be empty.');
      expect(now).toContain('Nothing new to post on china-ties, decertification, nato-status in the last day.');
      expect(after).toMatch(/Last digest: \w+day, \d{1,2} \w+ \d{4}, \d\d:\d\d America\/Bogota/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
