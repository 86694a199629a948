import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A benchmark's outside world (a feed server, a load generator, a fake platform) in its own process,
 * so the process under measurement pays only for its own work, as it would in production.
 * The child module calls `serveChild`; the parent forks it with `forkChild` and calls its handlers.
 */
type Handlers = Record<string, (arg: never) => unknown>;
type Message = { id: number; op: string; arg?: unknown };
type Answer = { id: number; value?: unknown; error?: string };

export interface Child<H extends Handlers> {
  call<K extends keyof H & string>(op: K, ...arg: Parameters<H[K]>): Promise<Awaited<ReturnType<H[K]>>>;
  /** Calls the child's `close` handler if it has one, then waits for the process to end. */
  close(): Promise<void>;
}

export async function forkChild<H extends Handlers>(moduleUrl: string, init: unknown): Promise<Child<H>> {
  // The TypeScript loader the benchmark runs under comes along in process.execArgv.
  const child = fork(fileURLToPath(moduleUrl), ['--bench-child', JSON.stringify(init ?? null)], { stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${moduleUrl} exited with ${code} before it was ready`)));
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: Answer) => {
    const waiter = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) waiter?.reject(new Error(m.error));
    else waiter?.resolve(m.value);
  });
  const call = (op: string, arg?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, arg } satisfies Message);
    });
  return {
    call: call as Child<H>['call'],
    async close() {
      if (child.exitCode !== null) return;
      await call('close').catch(() => {});
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      });
    },
  };
}

/** The child side: run `setup` once with the parent's init value, then answer calls until disconnected. */
export async function serveChild<T>(moduleUrl: string, setup: (init: T) => Promise<Handlers>): Promise<void> {
  if (process.argv[1] !== fileURLToPath(moduleUrl) || process.argv[2] !== '--bench-child' || !process.send) return;
  const handlers = await setup(JSON.parse(process.argv[3]!) as T);
  process.on('message', async (m: Message) => {
    const answer: Answer = { id: m.id };
    try {
      answer.value = await handlers[m.op]?.(m.arg as never);
    } catch (err) {
      answer.error = err instanceof Error ? err.message : String(err);
    }
    process.send!(answer);
  });
  process.send({ ready: true });
}
