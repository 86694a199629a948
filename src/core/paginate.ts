import type { Reply, ReplySection } from './reply.js';

/**
 * Split a Reply into pages that each `fits` whole, in order, breaking only between items — for
 * digests, which are split across messages rather than cut. An item too big for any page is
 * left to the renderer's own trimming.
 */
export function paginate(reply: Reply, fits: (page: Reply) => boolean): Reply[] {
  if (fits(reply)) return [reply];
  const pages: Reply[] = [];
  let page = emptyPage(reply, 0);
  const pageHasItems = () => page.sections.some((s) => s.items.length > 0);

  for (const section of reply.sections) {
    for (const item of section.items) {
      const attempt = withItem(page, section, item);
      if (fits(attempt) || !pageHasItems()) {
        page = attempt;
        continue;
      }
      pages.push(page);
      page = withItem(emptyPage(reply, pages.length), section, item);
    }
  }
  pages.push(page);
  // Only the last page carries the footer.
  return pages.map((p, i) => ({ ...p, footer: i === pages.length - 1 ? reply.footer : undefined }));
}

function emptyPage(reply: Reply, index: number): Reply {
  return {
    ...reply,
    title: index === 0 ? reply.title : `${reply.title} (continued)`,
    status: index === 0 ? reply.status : undefined,
    sections: [],
  };
}

function withItem(page: Reply, section: ReplySection, item: ReplySection['items'][number]): Reply {
  const last = page.sections.at(-1);
  const sections =
    last?.key === section.key
      ? [...page.sections.slice(0, -1), { ...last, items: [...last.items, item] }]
      : [...page.sections, { ...section, items: [item] }];
  return { ...page, sections };
}
