import { BriefLibrary } from './core/briefs/library.js';
import type { Brief, Problem } from './core/briefs/schema.js';
import { BRIEF_SECTIONS, briefReply } from './core/briefs/to-reply.js';
import { renderDiscord } from './platforms/discord/render.js';
import { renderSlack } from './platforms/slack/render.js';

/**
 * Checks that need the platforms: the whole brief and each section's own view (the sources list
 * too), rendered, must fit each platform's limits without being cut. (Replies still degrade
 * gracefully if they do not: whole lines go, never a fact's sources.)
 */
export function checkRenderedSize(brief: Brief): Problem[] {
  // Leave room for the three latest headlines the live bot adds at the end of the full view.
  const headlines = Array.from({ length: 3 }, () => ({
    title: 'A headline of typical length about Colombia and its foreign relations this week',
    url: `https://news.example.com/${'a'.repeat(60)}`,
    outlets: ['Outlet One', 'Outlet Two'],
    published: new Date(),
  }));
  const problems: Problem[] = [];
  for (const section of BRIEF_SECTIONS) {
    const reply = briefReply(brief, { section, ephemeral: true, now: new Date(), command: `/${brief.topic}`, headlines });
    const view = section === 'all' ? `/${brief.topic}` : `/${brief.topic} section:${section}`;
    const cut = [
      ['Discord', renderDiscord(reply).trimmed, '6000 characters across embeds'],
      ['Slack', renderSlack(reply).trimmed, '3000 characters per section and 12000 in all'],
    ] as const;
    for (const [platform, trimmed, limit] of cut) {
      if (trimmed.length > 0) {
        problems.push({
          file: brief.file,
          line: 1,
          message: `too long for ${platform} (${limit}): '${trimmed.join("', '")}' would be cut in ${view}; shorten the brief`,
        });
      }
    }
  }
  return problems;
}

/** Every problem in a briefs folder, in file and line order. */
export function lintBriefs(dir: string): Problem[] {
  const library = new BriefLibrary(dir, { validate: checkRenderedSize });
  const { problems } = library.load();
  if (problems.length === 0 && library.list().length === 0) {
    return [{ file: dir, line: 0, message: 'no briefs found (expected *.md files)' }];
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
