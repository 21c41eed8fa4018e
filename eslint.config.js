// Lint rules that carry the architecture: electron/core is plain Node and must
// never load Electron at runtime (type-only imports are fine), and the renderer
// reaches main only through window.wardline.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const electronRuntimeImport = 'electron/core is plain Node: it must not load Electron at runtime. Put Electron code in electron/main and pass an adapter in.';

const noCrashDumps =
  "Wardline never starts Electron's crash reporter: a minidump is a copy of process memory, decrypted messages and the database key included (docs/DEPLOYMENT.md, crash dumps).";

const rendererBoundary = 'The renderer talks to main only through window.wardline (electron/common/contract.ts).';

export const coreBoundary = {
  files: ['electron/core/**/*.ts', 'electron/common/**/*.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [{ name: 'electron', message: electronRuntimeImport, allowTypeImports: true }],
        patterns: [
          { group: ['electron/*'], message: electronRuntimeImport, allowTypeImports: true },
          { group: ['**/main/**', '**/preload/**', '**/renderer/**'], message: 'The core must not depend on the Electron layer or the UI.' },
        ],
      },
    ],
    'no-restricted-syntax': [
      'error',
      { selector: "CallExpression[callee.name='require'][arguments.0.value=/^electron(\\/|$)/]", message: electronRuntimeImport },
      { selector: "ImportExpression[source.value=/^electron(\\/|$)/]", message: electronRuntimeImport },
      { selector: "CallExpression[callee.name='createRequire']", message: 'The core uses ES imports only, so the Electron boundary stays checkable.' },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', 'renderer/dist/**', '.vite/**'] },
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser }, globals: globals.browser },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  coreBoundary,
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['crashReporter'], message: noCrashDumps }] }],
      'no-restricted-properties': ['error', { property: 'crashReporter', message: noCrashDumps }],
    },
  },
  {
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: rendererBoundary }],
          patterns: [{ group: ['node:*', '**/electron/core/**', '**/electron/main/**', '**/electron/preload/**'], message: rendererBoundary }],
        },
      ],
      'svelte/no-at-html-tags': 'error',
    },
  },
);
