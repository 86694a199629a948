import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeSlack } from './fakes/fake-slack.js';
import { SIGNING_SECRET } from './fakes/slack-harness.js';
import { freePort } from './helpers/bot-process.js';

/**
 * No Docker engine runs here, so this plays the Dockerfile by hand: every RUN of the build stage
 * (but the apt-get line) in a temp copy of what it COPYs, the runtime stage's COPYs, then its CMD
 * and HEALTHCHECK — and /healthz must answer.
 */

interface Stage {
  name?: string;
  steps: { op: string; args: string }[];
}

function stages(dockerfile: string): Stage[] {
  const out: Stage[] = [];
  const lines = dockerfile.replace(/\\\n\s*/g, ' ').split('\n');
  for (const line of lines) {
    const m = /^([A-Z]+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, op, args] = m as unknown as [string, string, string];
    if (op === 'FROM') out.push({ name: / AS (\w+)/i.exec(args)?.[1], steps: [] });
    else out.at(-1)?.steps.push({ op, args });
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), 'briefbot-docker-'));
const children: ChildProcess[] = [];
let fake: FakeSlack | undefined;
afterAll(async () => {
  // (the build can take minutes: npm ci compiles better-sqlite3)
  for (const c of children) c.kill('SIGKILL');
  await fake?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  const [build, runtime] = stages(readFileSync('Dockerfile', 'utf8'));

  it('has a build stage and a non-root runtime stage with a volume, a health check and a start command', () => {
    expect(build?.name).toBe('build');
    const ops = runtime!.steps.map((s) => s.op);
    expect(ops).toEqual(expect.arrayContaining(['USER', 'VOLUME', 'HEALTHCHECK', 'CMD']));
    expect(runtime!.steps.find((s) => s.op === 'USER')?.args).toBe('node');
    expect(runtime!.steps.find((s) => s.op === 'VOLUME')?.args).toBe('/data');
  });

  it('builds and starts, and /healthz answers', async () => {
    const buildDir = join(work, 'build');
    const appDir = join(work, 'app');
    mkdirSync(buildDir);
    mkdirSync(appDir);
    for (const { op, args } of build!.steps) {
      if (op === 'COPY') {
        const parts = args.split(/\s+/);
        const dest = parts.pop()!;
        for (const src of parts) cpSync(src, join(buildDir, dest === './' ? src : dest), { recursive: true });
      } else if (op === 'RUN') {
        if (args.startsWith('apt-get')) continue; // the build tools are already on this machine
        execSync(args, { cwd: buildDir, stdio: 'pipe', env: { ...process.env, CI: 'true' } });
      } else if (op !== 'WORKDIR') throw new Error(`build stage: unhandled ${op}`);
    }
    const env: Record<string, string> = {};
    let cmd: string[] = [];
    let healthcheck = '';
    for (const { op, args } of runtime!.steps) {
      if (op === 'COPY') {
        const from = /--from=(\w+)/.test(args) ? buildDir : '.';
        const [src, dest] = args.replace(/--from=\w+\s+/, '').split(/\s+/) as [string, string];
        cpSync(join(from, src.replace(/^\/app\//, '')), join(appDir, dest === './' ? src.replace(/^\/app\//, '') : dest), {
          recursive: true,
        });
      } else if (op === 'ENV') {
        for (const [, k, v] of args.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
      } else if (op === 'CMD') cmd = JSON.parse(args) as string[];
      else if (op === 'HEALTHCHECK') healthcheck = /CMD (.*)$/.exec(args)![1]!;
    }
    expect(cmd).toEqual(['node', 'dist/src/cli.js', 'start']);

    fake = await FakeSlack.start();
    const port = await freePort();
    writeFileSync(join(work, 'no-feeds.yaml'), 'feeds: []\n');
    const child = spawn(cmd[0]!, cmd.slice(1), {
      cwd: appDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        ...env,
        // Where the image says /app and /data, this copy has its own folders.
        BRIEFS_DIR: join(appDir, 'briefs'),
        DATA_DIR: join(work, 'data'),
        // The shipped feeds are real internet feeds; this machine reaches none.
        FEEDS_FILE: join(work, 'no-feeds.yaml'),
        PORT: String(port),
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
      },
    });
    children.push(child);
    let output = '';
    child.stderr?.on('data', (b: Buffer) => {
      output += b;
    });
    const deadline = Date.now() + 20_000;
    let healthy = false;
    while (!healthy && Date.now() < deadline && child.exitCode === null) {
      healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (!healthy) await new Promise((r) => setTimeout(r, 200));
    }
    expect(healthy, output).toBe(true);
    // The image's own HEALTHCHECK command agrees.
    execSync(healthcheck.replace(/^node -e /, `${process.execPath} -e `), { env: { ...process.env, PORT: String(port) } });
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  }, 900_000);
});

