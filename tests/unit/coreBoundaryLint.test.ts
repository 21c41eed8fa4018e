import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// Lints source text as if it lived at the given path, with the project's real config.
async function lint(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.message);
}

const boundary = /must not load Electron at runtime|uses ES imports only/;

// ESLint's first run loads the config, parsers and plugins (seconds on a busy machine): pay for it
// here, with time to spare, so each test's own timeout measures only its lint.
beforeAll(async () => {
  expect(await lint('electron/core/session/warmUp.ts', 'export const ready = true;\n')).toEqual([]);
}, 60_000);

describe('lint rule: electron/core never loads Electron at runtime', () => {
  it.each([
    ["import { app } from 'electron';\nexport const x = app;\n"],
    ["import * as electron from 'electron';\nexport const x = electron;\n"],
    ["export async function f() { return import('electron'); }\n"],
    ["declare const require: (m: string) => unknown;\nexport const e = require('electron');\n"],
    ["import { createRequire } from 'node:module';\nexport const r = createRequire(import.meta.url);\n"],
    ["import { ipcMain } from 'electron/main';\nexport const x = ipcMain;\n"],
  ])('rejects %j', async (code) => {
    const errors = await lint('electron/core/session/violation.ts', code);
    expect(errors.some((m) => boundary.test(m))).toBe(true);
  });

  it('allows type-only imports in the core', async () => {
    const errors = await lint('electron/core/session/typesOnly.ts', "import type { BrowserWindow } from 'electron';\nexport type W = BrowserWindow;\n");
    expect(errors).toEqual([]);
  });

  it('does not apply to the Electron layer', async () => {
    const errors = await lint('electron/main/lifecycle.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(errors.filter((m) => boundary.test(m))).toEqual([]);
  });

  it('keeps node and core imports out of the renderer', async () => {
    const errors = await lint('renderer/src/leak.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
    expect(errors.some((m) => m.includes('only through window.wardline'))).toBe(true);
  });
});

describe('lint rule: no crash reporter (minidumps would copy decrypted memory to disk)', () => {
  it.each([
    ["import { crashReporter } from 'electron';\ncrashReporter.start({ uploadToServer: false });\n"],
    ["import * as electron from 'electron';\nelectron.crashReporter.start({ uploadToServer: false });\n"],
    ["import { app } from 'electron';\ndeclare const require: (m: string) => { crashReporter: { start(o: object): void } };\nrequire('electron').crashReporter.start({});\nexport const x = app;\n"],
  ])('rejects %j in the Electron layer', async (code) => {
    const errors = await lint('electron/main/crashes.ts', code);
    expect(errors.some((m) => m.includes("never starts Electron's crash reporter"))).toBe(true);
  });

  it('leaves the rest of electron alone', async () => {
    expect(await lint('electron/main/lifecycle.ts', "import { app } from 'electron';\nexport const x = app;\n")).toEqual([]);
  });
});
