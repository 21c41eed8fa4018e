/**
 * Login benchmark: our connection (STARTTLS, native-PBKDF2 SCRAM, bind, XEP-0198 enable) against
 * stock @xmpp/client 0.14 doing the same login, on the same throwaway Prosody in the same run.
 * Each sample is a fresh connection from "connect" to "online"; warm-up logins are discarded.
 *
 * The stock client runs in a child Node: its STARTTLS passes no TLS options, so the only way for it
 * to trust the throwaway CA (with verification still on) is NODE_EXTRA_CA_CERTS, which Node reads
 * at start-up. Both sides disable Nagle on their TCP socket.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { connectXmpp, type XmppConnectionState } from '../electron/core/xmpp/index.js';
import { startProsody } from '../tests/fixtures/prosody.js';

export interface XmppLoginBenchOptions {
  samples?: number;
  warmup?: number;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const user = { username: 'bench', password: 'a reasonably long benchmark password' };

export async function runXmppLoginBench(options: XmppLoginBenchOptions = {}): Promise<Record<string, number>> {
  const samples = options.samples ?? 20;
  const warmup = options.warmup ?? 2;
  const server = await startProsody({ users: [user] });
  try {
    const login = { host: server.host, port: server.c2sPort, domain: server.domain, ...user };
    const ours: number[] = [];
    for (let i = 0; i < warmup + samples; i += 1) {
      const elapsed = await oursOnce(login, server.caCertPath, `bench-${i}`);
      if (i >= warmup) ours.push(elapsed);
    }
    const stock = await stockInChild(login, server.caCertPath, warmup, samples);
    const oursMedian = median(ours);
    const stockMedian = median(stock);
    return {
      samples,
      oursMedianMs: round(oursMedian),
      oursMinMs: round(Math.min(...ours)),
      stockMedianMs: round(stockMedian),
      stockMinMs: round(Math.min(...stock)),
      stockOverOurs: round(stockMedian / oursMedian),
    };
  } finally {
    await server.stop();
  }
}

interface Login {
  host: string;
  port: number;
  domain: string;
  username: string;
  password: string;
}

async function oursOnce(login: Login, caCertPath: string, resource: string): Promise<number> {
  const started = performance.now();
  const connection = connectXmpp({
    jid: `${login.username}@${login.domain}`,
    password: login.password,
    host: login.host,
    port: login.port,
    adminCa: { paths: [caCertPath] },
    resource,
  });
  const state = await new Promise<XmppConnectionState>((resolve) => {
    const off = connection.on('state', (next) => {
      if (next.kind === 'connecting') return;
      off();
      resolve(next);
    });
  });
  const elapsed = performance.now() - started;
  await connection.close();
  if (state.kind !== 'online') throw new Error(`Our login failed: ${JSON.stringify(state)}`);
  return elapsed;
}

// Plain JS for `node --input-type=module`: one Node, warm-up logins, then timed ones, as JSON.
const STOCK_SCRIPT = `
import { client } from '@xmpp/client';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
const { login, warmup, samples } = JSON.parse(process.argv[1]);
const times = [];
for (let i = 0; i < warmup + samples; i += 1) {
  const xmpp = client({ service: 'xmpp://' + login.host + ':' + login.port, domain: login.domain,
    username: login.username, password: login.password, resource: 'stock-' + i });
  xmpp.on('error', () => {});
  xmpp.on('connect', () => {
    if (xmpp.socket instanceof Socket && !(xmpp.socket instanceof TLSSocket)) xmpp.socket.setNoDelay(true);
  });
  const started = performance.now();
  await xmpp.start();
  const elapsed = performance.now() - started;
  await xmpp.stop();
  if (i >= warmup) times.push(elapsed);
}
process.stdout.write(JSON.stringify(times) + '\\n');
process.exit(0);
`;

async function stockInChild(login: Login, caCertPath: string, warmup: number, samples: number): Promise<number[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath };
  delete env['NODE_TLS_REJECT_UNAUTHORIZED'];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', STOCK_SCRIPT, JSON.stringify({ login, warmup, samples })],
    // cwd: bare '@xmpp/client' resolves from the repository's node_modules.
    { cwd: REPO_ROOT, env, timeout: 60_000 + samples * 5_000 },
  );
  const times: unknown = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]');
  if (!Array.isArray(times) || times.length !== samples || !times.every((time) => typeof time === 'number')) {
    throw new Error(`The stock @xmpp/client probe printed no timings: ${stdout}`);
  }
  return times;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

// `npx tsx bench/xmppLogin.bench.ts` runs this benchmark alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await runXmppLoginBench()));
}
