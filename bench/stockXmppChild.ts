/**
 * Runs a plain-JS script using stock @xmpp/client 0.14 in a child Node and returns the last line it
 * prints, parsed as JSON. Its STARTTLS passes no TLS options, so the only way for it to trust the
 * throwaway CA (verification still on) is NODE_EXTRA_CA_CERTS, which Node reads at start-up.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function runStockChild(script: string, input: unknown, caCertPath: string, timeoutMs: number): Promise<unknown> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath };
  delete env['NODE_TLS_REJECT_UNAUTHORIZED'];
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, JSON.stringify(input)],
      // cwd: bare '@xmpp/client' resolves from the repository's node_modules.
      { cwd: REPO_ROOT, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');
  } catch (error) {
    const output = error as Error & { stderr?: unknown };
    const stderr = typeof output.stderr === 'string' ? output.stderr.trim().slice(-2_000) : '';
    throw new Error(`The stock @xmpp/client child failed: ${output.message}${stderr === '' ? '' : `\n${stderr}`}`, { cause: error });
  }
}
