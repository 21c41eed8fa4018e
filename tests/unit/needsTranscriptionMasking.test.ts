/**
 * With maskPatientIdentifiers, "Needs transcription" masks the sender's name as well as the
 * conversation title: a name is self-asserted (a room nickname or a sender card can be anything),
 * and every other screen masks names (toMessageView, directory, room people, previews).
 */
import { expect, it } from 'vitest';
import { requestHandlers } from '../../electron/core/requestHandlers.js';
import type { SessionController } from '../../electron/core/session/sessionController.js';

it('masks NHS numbers in the sender name shown in Needs transcription', async () => {
  const session = {
    masksPatientIdentifiers: () => true,
    governance: () => ({
      needsTranscription: async () => [
        { messageId: 1, conversationId: 1, conversationTitle: 'Ward 7 943 476 5919', senderName: 'Re 943 476 5919', sentAt: 0, expiresAt: 1 },
      ],
    }),
  } as unknown as SessionController;
  const handlers = requestHandlers({ name: 'Wardline', version: '1', shell: 'electron', platform: 'x' } as never, session);
  const [entry] = (await handlers['governance:needsTranscription']({} as never)) as { conversationTitle: string; senderName: string }[];
  expect(entry!.conversationTitle).not.toContain('943 476 5919');
  expect(entry!.senderName).not.toContain('943 476 5919');
});
