import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/main/paths.js';

export const ROOT = packageRoot;
export const REAL_BRIEFS = join(ROOT, 'briefs');

/**
 * A temp briefs dir holding the real briefs plus `extra` variants of them: each variant has its own
 * topic and title (and a numbered status), so the library holds `real + extra` distinct briefs.
 */
export function makeBriefsDir(extra = 47): { dir: string; topics: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-bench-briefs-'));
  const real = readdirSync(REAL_BRIEFS).filter((f) => f.endsWith('.md'));
  const topics: string[] = [];
  for (const f of real) {
    const text = readFileSync(join(REAL_BRIEFS, f), 'utf8');
    writeFileSync(join(dir, f), text);
    topics.push(f.replace(/\.md$/, ''));
  }
  for (let i = 0; i < extra; i++) {
    const f = real[i % real.length]!;
    const base = f.replace(/\.md$/, '');
    const topic = `${base}-v${i + 1}`.slice(0, 32);
    const text = readFileSync(join(REAL_BRIEFS, f), 'utf8')
      .replace(/^topic: .*$/m, `topic: ${topic}`)
      .replace(/^title: (.*)$/m, (_m, t: string) => `title: ${t.slice(0, 80)} (variant ${i + 1})`)
      .replace(/^status: (.*)$/m, (_m, s: string) => `status: Variant ${i + 1}. ${s}`);
    writeFileSync(join(dir, `${topic}.md`), text);
    topics.push(topic);
  }
  return { dir, topics };
}

/** The command lines the latency benchmarks rotate through: every section, several briefs, /help. */
export function commandLines(topics: readonly string[]): string[] {
  const lines = ['/nato-status', '/decertification section:facts', '/china-ties section:timeline', '/help'];
  for (const [i, topic] of topics.entries()) {
    const section = ['all', 'status', 'facts', 'timeline', 'watch', 'sources'][i % 6]!;
    lines.push(`/brief topic:${topic} section:${section}`);
  }
  return lines;
}
