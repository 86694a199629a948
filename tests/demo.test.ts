import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';

const briefs = new BriefLibrary('briefs');
briefs.load();

/** Runs the real `npm run demo` with piped input, as a script would. */
function demo(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'demo'], { stdio: ['pipe', 'pipe', 'pipe'] });
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
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('npm run demo', () => {
  it('answers piped commands and exits at end of input', async () => {
    const { code, stdout } = await demo('/help\n/china-ties\n/nato-status section:timeline\n/nonsense\n');
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
});
