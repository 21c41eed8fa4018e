import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdminCa } from '../../electron/core/xmpp/tlsTrust.js';
import { ADMIN_CA_UNUSABLE, XmppError } from '../../electron/core/xmpp/index.js';

describe("the admin CA bundle: a broken one is this computer's set-up, and the log can say so", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wardline-ca-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function refusal(paths: string[]): Promise<XmppError> {
    const error: unknown = await loadAdminCa({ paths }).then(() => null, (e: unknown) => e);
    if (!(error instanceof XmppError)) throw new Error(`expected an XmppError, got ${String(error)}`);
    return error;
  }

  it('missing, empty or damaged: kind tls, condition admin-ca-unusable', async () => {
    await writeFile(join(dir, 'empty.pem'), 'not a certificate\n');
    await writeFile(join(dir, 'damaged.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    for (const name of ['missing.pem', 'empty.pem', 'damaged.pem']) {
      const error = await refusal([join(dir, name)]);
      expect({ name, kind: error.kind, condition: error.condition }).toEqual({ name, kind: 'tls', condition: ADMIN_CA_UNUSABLE });
    }
  });
});
