/**
 * The Squirrel.Windows installer runs the app with --squirrel-* switches at
 * install, update and uninstall. Those runs must only manage shortcuts and
 * quit, never open a window. (What electron-squirrel-startup does, in-house.)
 */
export type SquirrelAction =
  | { kind: 'none' }
  | { kind: 'quit' }
  | { kind: 'update-shortcuts'; updateArgs: string[] };

export function squirrelAction(platform: string, argv: readonly string[], exeName: string): SquirrelAction {
  if (platform !== 'win32') return { kind: 'none' };
  switch (argv[1]) {
    case '--squirrel-install':
    case '--squirrel-updated':
      return { kind: 'update-shortcuts', updateArgs: ['--createShortcut', exeName] };
    case '--squirrel-uninstall':
      return { kind: 'update-shortcuts', updateArgs: ['--removeShortcut', exeName] };
    case '--squirrel-obsolete':
      return { kind: 'quit' };
    default:
      return { kind: 'none' };
  }
}
