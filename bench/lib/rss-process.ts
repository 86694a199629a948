import { type Child, forkChild, serveChild } from './child.js';
import { type RssServer, startRssServer } from './rss.js';

type Options = Parameters<typeof startRssServer>[0];
type Handlers = { urls(count: number): string[]; stats(): ReturnType<RssServer['stats']>; renew(i: number): void; close(): Promise<void> };

/**
 * The RSS server of `startRssServer`, in a child process: the feed benchmark's RSS and CPU figures
 * then count the bot's cycle (as it runs in production) and not the server that feeds it.
 */
export async function startRssServerProcess(options: Options): Promise<{
  urls(count: number): Promise<string[]>;
  stats(): Promise<ReturnType<RssServer['stats']>>;
  renew(i: number): Promise<void>;
  close(): Promise<void>;
}> {
  const child: Child<Handlers> = await forkChild(import.meta.url, options);
  return {
    urls: (count) => child.call('urls', count),
    stats: () => child.call('stats'),
    renew: (i) => child.call('renew', i),
    close: () => child.close(),
  };
}

await serveChild(import.meta.url, async (options: Options): Promise<Handlers> => {
  const server = await startRssServer(options);
  return { urls: (count) => server.urls(count), stats: () => server.stats(), renew: (i) => server.renew(i), close: () => server.close() };
});
