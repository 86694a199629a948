import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BriefLibrary, type LoadReport } from '../src/core/briefs/library.js';
import { formatProblem } from '../src/core/briefs/schema.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempBriefs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-briefs-'));
  dirs.push(dir);
  cpSync('tests/fixtures/briefs/good/sample.md', join(dir, 'sample.md'));
  return dir;
}

/** Wait for the library's next reload report after a real file edit. */
function nextReload(reports: LoadReport[], count: number): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const tick = () => {
      if (reports.length >= count) resolve(reports[count - 1]!);
      else if (Date.now() > deadline) reject(new Error('no reload within 5 s'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe('hot reload of briefs', () => {
  it('a real file edit changes the answer, and a broken edit keeps the last good version', async () => {
    const dir = tempBriefs();
    const file = join(dir, 'sample.md');
    const reports: LoadReport[] = [];
    const library = new BriefLibrary(dir, { onReload: (r) => reports.push(r) });
    library.load();
    const stop = library.watch(30);
    try {
      expect(library.get('sample')?.status).toBe('Things stand where they stood.');

      writeFileSync(file, readFileSync(file, 'utf8').replace('Things stand where they stood.', 'Things moved on.'));
      const good = await nextReload(reports, 1);
      expect(good.problems).toEqual([]);
      expect(library.get('sample')?.status).toBe('Things moved on.');
      expect(good.statusChanges).toEqual([{ topic: 'sample', before: 'Things stand where they stood.', after: 'Things moved on.' }]);

      writeFileSync(file, readFileSync(file, 'utf8').replace('updated: 2025-11-01', 'updated: yesterday'));
      const broken = await nextReload(reports, 2);
      expect(broken.problems.map(formatProblem)).toEqual([`${file}:5: 'updated' must be a date written YYYY-MM-DD ("yesterday")`]);
      expect(library.get('sample')?.status).toBe('Things moved on.');

      writeFileSync(join(dir, 'second.md'), readFileSync(file, 'utf8').replace('topic: sample', 'topic: second').replace('yesterday', '2025-11-02'));
      await nextReload(reports, 3);
      expect(library.list().map((b) => b.topic)).toEqual(['sample', 'second']);
    } finally {
      stop();
    }
  });

  it('drops a brief whose file is deleted', () => {
    const dir = tempBriefs();
    const library = new BriefLibrary(dir);
    library.load();
    expect(library.get('sample')).toBeDefined();
    rmSync(join(dir, 'sample.md'));
    library.load();
    expect(library.get('sample')).toBeUndefined();
  });
});
