import type { EventEmitter } from 'node:events';
import { FakeDiscord } from '../../tests/fakes/fake-discord.js';
import type { InteractionSpec } from '../../tests/fakes/fake-discord-payloads.js';
import { type Child, forkChild, serveChild } from './child.js';
import { APPS, type App } from './compare.js';
import { closedLoop } from './stats.js';

// One fake Discord for each app under test, so their gateways and callbacks never mix.

export interface DiscordRun {
  app: App;
  lines: string[];
  n: number;
  concurrency: number;
}
type Handlers = {
  /** One interaction and the callback body the app sent back (a correctness check before timing). */
  probe(arg: { app: App; line: string }): Promise<unknown>;
  run(job: DiscordRun): Promise<{ latencies: number[]; failures: number }>;
  close(): Promise<void>;
};

/** `/brief topic:x section:facts` as the interaction Discord would send. */
export function specFor(line: string): InteractionSpec {
  const [name, ...rest] = line.slice(1).split(' ');
  const options = rest.map((o) => {
    const [key, value] = o.split(':') as [string, string];
    return { name: key, type: 3 as const, value };
  });
  return { name: name!, options };
}

/**
 * Discord as the apps see it (REST and gateway) and the users sending commands, in a process of its
 * own: the apps' process pays only for the apps, as it would against the real Discord.
 */
export async function startDiscordWorld(
  credentials: { token: string; applicationId: string },
): Promise<{ apiUrls: Record<App, string>; world: Child<Handlers> }> {
  const world: Child<Handlers & { apiUrls(): Record<App, string> }> = await forkChild(import.meta.url, credentials);
  return { apiUrls: await world.call('apiUrls'), world };
}

await serveChild(import.meta.url, async (credentials: { token: string; applicationId: string }) => {
  const fakes = {} as Record<App, FakeDiscord>;
  for (const app of APPS) {
    fakes[app] = await FakeDiscord.start(credentials);
    // 32 callers wait at once; the fake's emitter would warn past 10 listeners.
    (fakes[app] as unknown as { events: EventEmitter }).events.setMaxListeners(0);
  }
  const handlers: Handlers & { apiUrls(): Record<App, string> } = {
    apiUrls: () => Object.fromEntries(APPS.map((a) => [a, fakes[a].apiUrl])) as Record<App, string>,
    async probe({ app, line }) {
      const { id } = fakes[app].dispatchInteraction(specFor(line));
      return (await fakes[app].callbackFor(id)).body;
    },
    async run({ app, lines, n, concurrency }) {
      const fake = fakes[app];
      const specs = lines.map(specFor);
      let failures = 0;
      const { latencies } = await closedLoop(n, concurrency, async (i) => {
        // Nothing older is ever waited for: keep the fake's search for past requests short.
        fake.requests.length = 0;
        const { id } = fake.dispatchInteraction(specs[i % specs.length]!);
        const callback = await fake.callbackFor(id, 10_000);
        if (callback.status !== 204 && callback.status !== 200) failures++;
      });
      return { latencies, failures };
    },
    async close() {
      for (const app of APPS) await fakes[app].close();
    },
  };
  return handlers;
});
