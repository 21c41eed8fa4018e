/**
 * npm 11 can skip dependency install scripts that are not approved
 * (package.json "allowScripts"), leaving native modules unbuilt. Load each one
 * and fail loudly, with the fix, rather than letting tests fail obscurely.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const NATIVE_MODULES: Record<string, string> = {
  '@signalapp/sqlcipher': 'the encrypted store (prebuilt N-API binary inside the package)',
  keytar: 'the OS keychain (built with node-gyp against libsecret-1-dev)',
  'better-sqlite3': 'plain-SQLite baseline for tests and benchmarks (node-gyp)',
  '@journeyapps/sqlcipher': 'independent SQLCipher reader for tests (node-gyp)',
};

let failed = false;
for (const [name, role] of Object.entries(NATIVE_MODULES)) {
  try {
    require(name);
    console.log(`native ok   ${name}`);
  } catch (err) {
    failed = true;
    console.error(`native FAIL ${name} — ${role}\n  ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}
if (failed) {
  console.error(
    '\nA native module did not build or load. Check that it is listed in package.json "allowScripts", that ' +
      'python3, make, g++ and libsecret-1-dev are installed, then run `npm rebuild <module>`.',
  );
  process.exit(1);
}
