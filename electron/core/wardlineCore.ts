/**
 * Composition root of the plain-Node core. Electron's main process and the
 * Chromium shell both build one of these and only differ in their adapters.
 */
import type { AppInfo, ShellKind } from '../common/contract.js';
import { CoreEvents } from './events.js';
import { createDispatcher, type Dispatch } from './ipc/dispatcher.js';
import { WardlineFailure } from './ipc/failure.js';
import { isAllowedExternalUrl, type ConfirmAndOpen } from './links/externalLink.js';
import { SessionController } from './session/sessionController.js';

export interface CoreOptions {
  dataDir: string;
  shell: ShellKind;
  version: string;
  platform: string;
  /** Origin our page is served from; calls from anywhere else are refused. */
  appOrigin: string;
  confirmAndOpen: ConfirmAndOpen;
  log?: (line: string) => void;
}

export interface WardlineCore {
  readonly dispatch: Dispatch;
  readonly events: CoreEvents;
  readonly session: SessionController;
  close(): Promise<void>;
}

export function createWardlineCore(options: CoreOptions): WardlineCore {
  const events = new CoreEvents();
  const session = new SessionController(events);
  const log = options.log ?? (() => {});
  const info: AppInfo = {
    name: 'Wardline',
    version: options.version,
    shell: options.shell,
    platform: options.platform,
  };

  const dispatch = createDispatcher({
    appOrigin: options.appOrigin,
    isUnlocked: () => session.isUnlocked(),
    onRefused: (channel, error) => log(`ipc refused channel=${channel} code=${error.code}`),
    handlers: {
      'app:info': () => info,
      'session:state': () => session.state(),
      'conversations:list': () => session.requireUnlocked().conversations(),
      'links:openExternal': async ({ url }) => {
        if (!isAllowedExternalUrl(url)) {
          throw new WardlineFailure('rejected', 'Only secure (https) links can be opened from Wardline.');
        }
        return { opened: await options.confirmAndOpen(url) };
      },
    },
  });

  return {
    dispatch,
    events,
    session,
    close: async () => session.close(),
  };
}
