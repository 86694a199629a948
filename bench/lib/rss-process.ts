import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type RssServer, startRssServer } from './rss.js';

/**
 * The RSS server of `startRssServer`, in a child process: the feed benchmark's RSS and CPU figures
 * then count the bot's cycle (as it runs in production) and not the server that feeds it.
 */
type Request = { id: number; op: 'stats' | 'close' };
type Reply = { id: number; value: unknown };
type Options = Parameters<typeof startRssServer>[0];

export async function startRssServerProcess(options: Options): Promise<Omit<RssServer, 'stats'> & { stats(): Promise<ReturnType<RssServer['stats']>> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(options)], { stdio: 'inherit' });
  const ready = await new Promise<{ urls: string[] }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { urls: string[] }));
    child.once('exit', (code) => reject(new Error(`rss server exited with ${code}`)));
  });
  let nextId = 1;
  const call = (op: Request['op']) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      const onMessage = (m: Reply) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        resolve(m.value);
      };
      child.on('message', onMessage);
      child.send({ id, op } satisfies Request);
    });
  return {
    // The child makes URLs for up to 100,000 feeds; a run asks for fewer.
    urls: (count) => ready.urls.slice(0, count),
    stats: async () => (await call('stats')) as ReturnType<RssServer['stats']>,
    async close() {
      await call('close');
      await stop(child);
    },
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.disconnect();
  });
}

if (process.argv[2] === '--serve' && process.send) {
  const options = JSON.parse(process.argv[3]!) as Options;
  const server = await startRssServer(options);
  process.on('message', async (m: Request) => {
    const value = m.op === 'stats' ? server.stats() : await server.close();
    process.send!({ id: m.id, value } satisfies Reply);
  });
  process.send({ urls: server.urls(100_000) });
}
