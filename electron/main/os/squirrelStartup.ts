/** Applies squirrelAction: runs Update.exe for shortcuts, then quits. Returns true if this run is an installer hook. */
import { app } from 'electron';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { squirrelAction } from './squirrelEvents.js';

export function handleSquirrelEvent(): boolean {
  const exeName = path.basename(process.execPath);
  const action = squirrelAction(process.platform, process.argv, exeName);
  if (action.kind === 'none') return false;
  if (action.kind === 'quit') {
    app.quit();
    return true;
  }
  // Update.exe sits one level above the versioned app-x.y.z folder.
  const updateExe = path.resolve(path.dirname(process.execPath), '..', 'Update.exe');
  const child = spawn(updateExe, action.updateArgs, { detached: true, stdio: 'ignore' });
  child.on('error', () => app.quit());
  child.on('close', () => app.quit());
  return true;
}
