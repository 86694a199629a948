import { Agent, request } from 'undici';
import { signedRequest, slashCommandFields } from '../../tests/fakes/fake-slack.js';
import { type Child, forkChild, serveChild } from './child.js';
import { closedLoop } from './stats.js';

export interface SlackLoadJob {
  url: string;
  lines: string[];
  n: number;
  concurrency: number;
}
type Handlers = {
  run(job: SlackLoadJob): Promise<{ latencies: number[]; failures: number }>;
  close(): Promise<void>;
};

/** Slash commands as Slack POSTs them, signed before the clock starts. */
export function preparedCommands(lines: readonly string[], n: number, signingSecret: string) {
  return Array.from({ length: n }, (_, i) => {
    const [name, ...rest] = lines[i % lines.length]!.split(' ');
    const command = name === '/help' ? '/briefbot-help' : name!;
    return signedRequest(slashCommandFields({ command, text: rest.join(' ') }), { signingSecret });
  });
}

/** The load generator, in its own process: the apps under test do not share their CPU with it. */
export function startSlackLoad(signingSecret: string): Promise<Child<Handlers>> {
  return forkChild(import.meta.url, { signingSecret });
}

await serveChild(import.meta.url, async ({ signingSecret }: { signingSecret: string }): Promise<Handlers> => {
  const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  return {
    async run({ url, lines, n, concurrency }) {
      const reqs = preparedCommands(lines, n, signingSecret);
      let failures = 0;
      const { latencies } = await closedLoop(n, concurrency, async (i) => {
        const res = await request(url, { method: 'POST', headers: reqs[i]!.headers, body: reqs[i]!.body, dispatcher });
        const body = await res.body.text();
        if (res.statusCode !== 200 || body.length === 0) failures++;
      });
      return { latencies, failures };
    },
    close: () => dispatcher.close(),
  };
});
