import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { formatProblem } from '../src/core/briefs/schema.js';
import { lintBriefs } from '../src/lint.js';

const broken = 'tests/fixtures/briefs/broken';

/** Each broken fixture and exactly what a moderator is told about it. */
const expected: Record<string, string[]> = {
  'bad-timeline-date.md': ["31: timeline date '2025-13' is not a real date (use YYYY, YYYY-MM or YYYY-MM-DD)"],
  'bad-updated.md': ['5: \'updated\' is not a real calendar date ("2025-02-30")'],
  'bad-yaml.md': ['4: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  'javascript-link.md': ['16: \'source s2 url\' must be an http(s) link ("javascript:alert(1)")'],
  'long-title.md': ["3: 'title' is 143 characters; the limit is 100"],
  'markdown-link.md': ['35: links belong in sources: cite them as [s1]'],
  'missing-status.md': ["1: 'status' is required"],
  'missing-timeline.md': ["22: missing section '## Timeline'"],
  'no-front-matter.md': ["1: a brief must start with '---' and YAML front matter"],
  'timeline-order.md': ['31: timeline is out of order: 2025-07 comes after 2026'],
  'uncited-fact.md': ['26: key fact has no source citation; end it with [s1]'],
  'unknown-field.md': ["7: unknown field 'owner'"],
  'unknown-source.md': ["26: cites [s9] but no source has id 's9'"],
  'unused-source.md': ["13: source 's2' is never cited"],
};

/** A throw-away folder for one test, removed after it. */
function inTempDir(test: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-lint-'));
  try {
    test(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `briefbot lint <dir> --feeds feeds.yaml`, as a moderator runs it. */
const lintCli = (dir: string) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'lint', dir, '--feeds', 'feeds.yaml'], { encoding: 'utf8' });

describe('briefbot lint', () => {
  const problems = lintBriefs(broken).map(formatProblem);

  it.each(Object.entries(expected))('%s: names the exact line and problem', (file, lines) => {
    const mine = problems.filter((p) => p.startsWith(`${broken}/${file}:`));
    expect(mine).toEqual(lines.map((l) => `${broken}/${file}:${l}`));
  });

  it('reports nothing beyond the expected problems', () => {
    expect(problems).toHaveLength(Object.values(expected).flat().length);
  });

  it('names the file that already serves a duplicated topic', () => {
    expect(lintBriefs('tests/fixtures/briefs/broken-dup').map(formatProblem)).toEqual([
      "tests/fixtures/briefs/broken-dup/b.md:2: topic 'sample' is already served by tests/fixtures/briefs/broken-dup/a.md",
    ]);
  });

  it('finds the shipped briefs clean', () => {
    expect(lintBriefs('briefs').map(formatProblem)).toEqual([]);
  });

  it('as a command, checks briefs and the feeds file, prints path:line: message and exits 1 on problems, 0 when clean', () => {
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'lint', 'tests/fixtures/briefs/broken-dup'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('tests/fixtures/briefs/broken-dup/b.md:2: topic');
    const feeds = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'lint', 'briefs', '--feeds', 'tests/fixtures/feeds-lint/broken.yaml'], { encoding: 'utf8' });
    expect(feeds.status).toBe(1);
    // The name used twice is named at once, with the other mistake, not after it is fixed.
    expect(feeds.stdout).toBe(
      "tests/fixtures/feeds-lint/broken.yaml:6: feeds.1.url: url must be an http(s) URL (or mark the feed local: true)\ntests/fixtures/feeds-lint/broken.yaml:8: feed name 'good' is used twice\n",
    );
    const good = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'lint', 'briefs'], { encoding: 'utf8', stdio: 'pipe' });
    expect(good).toBe('');
  });

  it('names a brief not saved as UTF-8 (Latin-1, UTF-16, a NUL byte) and reads old Mac line endings', () => {
    inTempDir((dir) => {
    const text = readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8');
    const as = (topic: string) => text.replace('topic: sample', `topic: ${topic}`);
    writeFileSync(join(dir, 'latin1.md'), Buffer.from(as('latin1').replace('A short summary', 'Bogotá: a short summary'), 'latin1'));
    writeFileSync(join(dir, 'utf16.md'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(as('utf16'), 'utf16le')]));
    writeFileSync(join(dir, 'nul.md'), `${as('nul')}\0`);
    writeFileSync(join(dir, 'cr.md'), as('cr').replaceAll('\n', '\r'));
    const library = new BriefLibrary(dir);
    expect(library.load().problems.map(formatProblem)).toEqual([
      `${dir}/latin1.md:23: the file is not saved as UTF-8 text (line 23 has a character UTF-8 does not allow): save it as UTF-8`,
      `${dir}/nul.md:36: line 36 has a NUL byte, so the file is not UTF-8 text: remove it and save it as UTF-8`,
      `${dir}/utf16.md:1: the file is saved as UTF-16, not UTF-8 text: save it as UTF-8`,
    ]);
    expect(library.list().map((b) => b.topic)).toEqual(['cr']);
    expect(library.get('cr')?.summary.text).toBe('A short summary of the sample.');
    // Unreadable, but each still names its topic: the feeds that name it are not blamed.
    expect(library.topics()).toEqual(['cr', 'latin1', 'nul', 'utf16']);
    });
  });

  it('names a future updated or published date, but allows tomorrow in UTC (already today east of it)', () => {
    inTempDir((dir) => {
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const text = readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8');
    writeFileSync(join(dir, 'ahead.md'), text.replace('updated: 2025-11-01', `updated: ${day(2)}`).replace('published: 2025-10-01', `published: ${day(400)}`));
    writeFileSync(join(dir, 'tomorrow.md'), text.replace('topic: sample', 'topic: tomorrow').replace('updated: 2025-11-01', `updated: ${day(1)}`));
    expect(lintBriefs(dir).map(formatProblem)).toEqual([
      `${dir}/ahead.md:5: 'updated' is a date in the future ("${day(2)}")`,
      `${dir}/ahead.md:12: 'source s1 published' is a date in the future ("${day(400)}")`,
    ]);
    });
  });

  it('names edits that would otherwise do nothing: a symbol-only match term, a brief saved as .markdown/.MD/.md.txt, a status or title on several lines', () => {
    inTempDir((dir) => {
    const text = readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8');
    writeFileSync(join(dir, 'sample.md'), text.replace('- [sample]', '- ["*"]'));
    const other = (topic: string) => text.replace('topic: sample', `topic: ${topic}`);
    writeFileSync(join(dir, 'one.markdown'), other('one'));
    writeFileSync(join(dir, 'two.MD'), other('two'));
    writeFileSync(join(dir, 'three.md.txt'), other('three'));
    writeFileSync(join(dir, 'notes.txt'), 'not a brief');
    writeFileSync(join(dir, 'lines.md'), other('lines').replace('status: Things stand where they stood.', 'status: |\n  Things stand\n  where they stood.').replace('title: A sample brief', 'title: >\n  A sample\n\n  brief'));
    expect(lintBriefs(dir).map(formatProblem)).toEqual([
      `${dir}/lines.md:3: 'title' must be one line (a YAML | or > block, or a line break, makes several) ("A sample\\nbrief\\n")`,
      `${dir}/lines.md:7: 'status' must be one line (a YAML | or > block, or a line break, makes several) ("Things stand\\nwhere they stood.\\n")`,
      `${dir}/one.markdown:0: not read: brief files must end in .md (rename it to one.md)`,
      `${dir}/sample.md:20: 'match term' needs a letter or digit: a term of only symbols never matches ("*")`,
      `${dir}/three.md.txt:0: not read: brief files must end in .md (rename it to three.md)`,
      `${dir}/two.MD:0: not read: brief files must end in .md (rename it to two.md)`,
    ]);
    });
  });

  it('names a source link that replies could not draw (one slash, or none)', () => {
    inTempDir((dir) => {
    const text = readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8');
    writeFileSync(join(dir, 'sample.md'), text.replace('https://example.org/one', 'https:/example.org/one').replace('https://example.org/two', 'https:example.org/two'));
    expect(lintBriefs(dir).map(formatProblem)).toEqual([
      `${dir}/sample.md:11: 'source s1 url' must start with 'https://' or 'http://' (two slashes) ("https:/example.org/one")`,
      `${dir}/sample.md:16: 'source s2 url' must start with 'https://' or 'http://' (two slashes) ("https:example.org/two")`,
    ]);
    });
  });

  it('names a heading mistyped, a list inside a list, and a timeline line or summary without a source, each at its line', () => {
    inTempDir((dir) => {
      const text = readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8');
      const write = (name: string, body: string) => writeFileSync(join(dir, `${name}.md`), body.replace('topic: sample', `topic: ${name}`));
      write('heading', text.replace('## Key facts', '### Key facts'));
      write('nospace', text.replace('## Timeline', '##Timeline'));
      write('colon', text.replace('## Key facts', '## Key facts:'));
      write('nested', text.replace('- The second fact', '  - The second fact'));
      write('uncited', text.replace('- 2013: Something began. [s1]', '- 2013: Something began.').replace('A short summary of the sample. [s1]', 'A short summary of the sample.'));
      const problems = lintBriefs(dir)
        .filter((p) => !p.message.includes('never cited'))
        .map(formatProblem);
      // colon.md (`## Key facts:`) is read as meant: no problem.
      expect(problems).toEqual([
        `${dir}/heading.md:25: a section heading is '## ' then its name ('## Key facts'): two #, then a space`,
        `${dir}/nested.md:27: a list inside a list is not supported: start the line at the margin with '- ' (one fact a line)`,
        `${dir}/nospace.md:29: a section heading is '## ' then its name ('## Timeline'): two #, then a space`,
        `${dir}/uncited.md:22: the summary cites no source; cite each claim with [s1]`,
        `${dir}/uncited.md:30: timeline line has no source citation; end it with [s1]`,
      ]);
    });
  });

  it('names an empty What to watch and a stale_after_days of 0 in plain words', () => {
    inTempDir((dir) => {
      const text = readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8');
      writeFileSync(join(dir, 'sample.md'), text.replace('stale_after_days: 14', 'stale_after_days: 0').replace('- What happens next.', ''));
      expect(lintBriefs(dir).map(formatProblem)).toEqual([
        `${dir}/sample.md:6: 'stale_after_days' must be a whole number of days, 1 or more`,
        `${dir}/sample.md:34: 'What to watch' is empty: add an item, or remove the heading`,
      ]);
    });
  });

  it('names Markdown, an HTML entity or a bare URL in brief text: replies would show them as typed', () => {
    inTempDir((dir) => {
      const text = readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8');
      writeFileSync(
        join(dir, 'sample.md'),
        text
          .replace('- The first fact. [s1]', '- The **first** fact. [s1]')
          .replace('- The second fact, from two sources. [s1, s2]', '- The second fact, R&amp;D, from two sources. [s1, s2]')
          .replace('- 2013: Something began. [s1]', '- 2013: Something began, see https://example.org. [s1]')
          .replace('- What happens next.', '- What happens `next`.'),
      );
      expect(lintBriefs(dir).map(formatProblem)).toEqual([
        `${dir}/sample.md:26: brief text is plain: '**first**' would show its marks; remove them`,
        `${dir}/sample.md:27: brief text is plain: write the character, not its HTML entity ('&amp;' shows as it is)`,
        `${dir}/sample.md:30: links belong in sources: cite them as [s1], not as a bare URL`,
        `${dir}/sample.md:35: brief text is plain: '\`next\`' would show its marks; remove them`,
      ]);
    });
  });

  it('names a view a platform would cut, the source list and one long fact included (the full view alone was checked)', () => {
    inTempDir((dir) => {
      const text = readFileSync('tests/fixtures/briefs/good/sample.md', 'utf8');
      const url = (n: number) => `https://example.org/${'long-path-segment/'.repeat(16)}${n}`;
      const many = Array.from({ length: 16 }, (_, i) =>
        [`  - id: s${i + 3}`, `    title: A source with a long title, number ${i}, ${'on Colombia and its partners '.repeat(3).trim()}`, '    publisher: An Example Publisher With A Long Name', `    url: ${url(i)}`].join('\n'),
      );
      const cited = many.map((_, i) => `s${i + 3}`).join(', ');
      writeFileSync(
        join(dir, 'sample.md'),
        text.replace('match:', `${many.join('\n')}\nmatch:`).replace('- The first fact. [s1]', `- The first fact. [s1, ${cited}]`),
      );
      const discord = 'too long for Discord (6000 characters across embeds)';
      const slack = 'too long for Slack (3000 characters per section and 12000 in all)';
      // The fact citing all 18 is longer than a Slack section block: it used to lose its last
      // sources without a word. The source list alone is longer than a Discord message.
      expect(lintBriefs(dir).map(formatProblem)).toEqual([
        `${dir}/sample.md:1: ${discord}: 'facts', 'timeline', 'watch', 'headlines' would be cut in /sample; shorten the brief`,
        `${dir}/sample.md:1: ${slack}: 'facts' would be cut in /sample; shorten the brief`,
        `${dir}/sample.md:1: ${discord}: 'facts' would be cut in /sample section:facts; shorten the brief`,
        `${dir}/sample.md:1: ${slack}: 'facts' would be cut in /sample section:facts; shorten the brief`,
        `${dir}/sample.md:1: ${discord}: 'sources' would be cut in /sample section:sources; shorten the brief`,
      ]);
    });
  });

  it('a YAML typo in a brief blames that line in plain words, not the feeds that name its topic', () => {
    inTempDir((dir) => {
    cpSync('briefs', dir, { recursive: true });
    const china = join(dir, 'china-ties.md');
    writeFileSync(china, readFileSync(china, 'utf8').replace(/^title: .*$/m, 'title: Colombia and China: ties'));
    const run = lintCli(dir);
    expect(run.status).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([
      `${china}:3: YAML: a value that contains ': ' must be in quotes, e.g. title: "Colombia and China: ties"`,
    ]);
    });
  });

  it('blames a broken brief, not the feeds that name its topic', () => {
    inTempDir((dir) => {
    cpSync('briefs', dir, { recursive: true });
    const file = join(dir, 'nato-status.md');
    // A valid topic with a broken body, and a broken front matter that still names its topic.
    writeFileSync(file, readFileSync(file, 'utf8').replace('global-partner status. [s2]', 'global-partner status. [s9]'));
    const china = join(dir, 'china-ties.md');
    writeFileSync(china, readFileSync(china, 'utf8').replace('updated: 2026-11-23', 'updated: 2026-13-45'));
    const run = lintCli(dir);
    expect(run.status).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([
      `${china}:5: 'updated' is not a real calendar date ("2026-13-45")`,
      expect.stringMatching(new RegExp(`^${file}:\\d+: cites \\[s9\\] but no source has id 's9'$`)),
    ]);
    });
  });
});
