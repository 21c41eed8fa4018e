/**
 * The admin policy file for an e2e test that wants none: a path inside the test's own data folder,
 * under a folder nothing creates. The core then applies the built-in defaults, as on a PC without
 * a managed policy, and the machine's own policy ($WARDLINE_POLICY_FILE, /etc/wardline/policy.json)
 * never reaches the test.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function noAdminPolicy(dataDir: string): string {
  const file = join(dataDir, 'no-admin-policy', 'policy.json');
  if (existsSync(dirname(file))) throw new Error(`${dirname(file)} exists: it must not, so that no policy is read.`);
  return file;
}
