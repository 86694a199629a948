import { type Body, parseBody } from './body.js';
import { parseFrontMatter } from './front-matter.js';
import type { Brief, FrontMatter, Problem } from './schema.js';

export interface ParseResult {
  brief?: Brief;
  /** The topic the file names, when its front matter gets that far (also for a broken brief). */
  topic?: string;
  /** The line of its `topic:` key, to point at when another file already serves that topic. */
  topicLine?: number;
  problems: Problem[];
}

/** Parse one brief file. A brief with any problem is not returned: callers keep the last good one. */
export function parseBrief(file: string, source: string): ParseResult {
  const problems: Problem[] = [];
  const at = (line: number, message: string) => problems.push({ file, line, message });
  const lines = source.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);

  if (lines[0]?.trim() !== '---') {
    at(1, "a brief must start with '---' and YAML front matter");
    return { problems };
  }
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (close < 0) {
    at(1, "front matter is not closed: add a line '---' after it");
    return { problems };
  }

  const { front, topic, topicLine } = parseFrontMatter(lines.slice(1, close).join('\n'), 2, at);
  const body = parseBody(lines.slice(close + 1), close + 2, at);
  if (!front || !body) return { topic, topicLine, problems };

  checkCitations(front.data, front.sourceLines, body, at);
  if (problems.length > 0) return { topic, topicLine, problems };
  return { brief: { ...front.data, file, ...body }, topic, topicLine, problems };
}

function checkCitations(
  front: FrontMatter,
  sourceLines: Map<string, number>,
  body: Body,
  at: (line: number, message: string) => void,
): void {
  const ids = new Set<string>();
  front.sources.forEach((s) => {
    if (ids.has(s.id)) at(sourceLines.get(s.id)!, `source id '${s.id}' is listed twice`);
    ids.add(s.id);
  });
  const used = new Set<string>();
  const all = [body.summary, ...body.facts, ...body.timeline, ...body.watch];
  for (const item of all) {
    for (const ref of item.refs) {
      used.add(ref);
      if (!ids.has(ref)) at(item.line, `cites [${ref}] but no source has id '${ref}'`);
    }
  }
  for (const s of front.sources) {
    if (!used.has(s.id)) at(sourceLines.get(s.id)!, `source '${s.id}' is never cited`);
  }
}
