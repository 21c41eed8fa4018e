/**
 * What each contract channel does. The dispatcher has already checked the
 * sender, the lock and the payload by the time any of these runs.
 */
import type { AppInfo, ConversationSummary } from '../common/contract.js';
import type { Handlers } from './ipc/dispatcher.js';
import { WardlineFailure } from './ipc/failure.js';
import type { FocusState } from './notify/notifier.js';
import { bareJidOf } from './messaging/jid.js';
import { findNhsNumbers } from './messaging/nhsNumber.js';
import { shownText, toConversationView, toMessageView } from './session/messageView.js';
import type { SessionController } from './session/sessionController.js';
import { matchesQuery } from './store/searchQuery.js';
import { incidentHandlers } from './incident/incidentHandlers.js';
import { personFacing } from './personFacing.js';

const SEARCH_BY_NHS_NUMBER_REFUSED =
  "Searching by NHS number is turned off on this computer: the hospital's policy hides patient identifiers here.";

const ONLY_ROOMS_QUIETENED = 'Only a team room can be made quieter: a message sent to you alone always notifies.';

const NO_SUCH_CONVERSATION = 'This conversation no longer exists, so its draft could not be kept.';

/** Urgent unread first, then most recent activity: what needs attention is at the top. */
export function byAttention(a: ConversationSummary, b: ConversationSummary): number {
  const urgent = Number(b.urgentUnread > 0) - Number(a.urgentUnread > 0);
  return urgent !== 0 ? urgent : (b.lastActivityAt ?? 0) - (a.lastActivityAt ?? 0);
}

const INCIDENT_ROOM_KEPT = 'This room is used for major incidents, so it cannot be left. Turn its notifications down instead (Notify me).';

export function requestHandlers(
  info: AppInfo,
  session: SessionController,
  ui: {
    /** Where 'ui:focus' reports go (the notifier). */
    focus?: (state: FocusState) => void;
    /** Where 'ui:input' reports go (the auto-lock's own input clock). */
    input?: () => void;
  } = {},
): Handlers {
  return {
    'app:info': () => info,
    'session:state': () => session.state(),
    'profiles:create': (input) => session.createProfile(input),
    'profiles:remove': async ({ profileId, pin }) => {
      await session.removeProfile(profileId, pin);
      return { removed: true as const };
    },
    'session:unlock': ({ profileId, pin }) => session.unlock(profileId, pin),
    'session:lock': () => session.lock('manual'),
    'session:setAutoLock': ({ seconds }) => session.setAutoLock(seconds),
    'session:changePin': async ({ currentPin, newPin }) => {
      await session.changePin(currentPin, newPin);
      return { changed: true as const };
    },
    'account:get': () => session.account(),
    'account:set': (account) => session.setAccount(account),
    'chat:connection': () => session.connection(),
    'conversations:list': async () => {
      const mask = session.masksPatientIdentifiers();
      const conversations = await session.store().listConversations({ previews: session.showsConversationPreviews() });
      const closed = session.messagingIfRunning()?.closedRooms() ?? new Set<string>();
      const context = { maskIdentifiers: mask, closedRooms: closed, incidentRooms: session.incidentRoomsInUse() };
      return conversations.map((c) => toConversationView(c, context)).sort(byAttention);
    },
    'conversations:openDirect': async ({ jid }) => ({ conversationId: await session.chat().openDirect(jid) }),
    'conversations:markRead': async ({ conversationId }) => {
      await session.markRead(conversationId);
      return { done: true as const };
    },
    'conversations:setNotify': async ({ conversationId, level }) => {
      if (!(await session.chat().setRoomNotify(conversationId, level))) throw new WardlineFailure('rejected', ONLY_ROOMS_QUIETENED);
      return { notify: level };
    },
    'rooms:join': ({ roomJid, title, existingOnly }) =>
      personFacing(async () => ({ conversationId: await session.chat().joinRoom(roomJid, title, existingOnly === true ? { existingOnly } : {}) })),
    'rooms:addMembers': ({ roomJid, memberJids }) =>
      personFacing(async () => {
        await session.chat().addRoomMembers(roomJid, memberJids);
        return { added: memberJids.length };
      }),
    'directory:list': async () => {
      const mask = session.masksPatientIdentifiers();
      return (await session.chat().directory()).map((entry) => ({ ...entry, name: shownText(entry.name, mask) }));
    },
    'rooms:service': () => session.chat().roomService(),
    'rooms:present': ({ roomJid }) => {
      const mask = session.masksPatientIdentifiers();
      return session.chat().roomPresent(roomJid).map((person) => ({ ...person, name: shownText(person.name, mask) }));
    },
    'rooms:members': ({ roomJid }) =>
      personFacing(async () => {
        const mask = session.masksPatientIdentifiers();
        const { membersOnly, members } = await session.chat().roomMembers(roomJid);
        return { membersOnly, members: members.map((member) => ({ ...member, name: shownText(member.name, mask) })) };
      }),
    'rooms:removeMember': ({ roomJid, memberJid }) =>
      personFacing(async () => {
        // This person's chat and audit trail, taken before waiting: a lock and someone else's unlock
        // meanwhile must not have the step recorded as theirs.
        const chat = session.chat();
        const audit = session.auditTrail();
        await chat.removeRoomMember(roomJid, memberJid);
        // Who can read a clinical room changed: accountable, like every other governance step.
        audit.recordQuietly('room-member-removed', { member: memberJid, room: roomJid });
        return { removed: true as const };
      }),
    'rooms:leave': ({ roomJid }) =>
      personFacing(async () => {
        // Taken before waiting: after a lock and someone else's unlock, session.chat() is theirs.
        const chat = session.chat();
        // How the hospital reaches its staff in a major incident: not something one click drops. Compared
        // as the chat service will address it (a trailing dot or capitals must not slip past).
        if ((await session.incidentRoomsInUseLoaded()).has(bareJidOf(roomJid) ?? roomJid)) throw new WardlineFailure('rejected', INCIDENT_ROOM_KEPT);
        await chat.leaveRoom(roomJid);
        return { left: true as const };
      }),
    'held:list': async () => {
      const chat = session.messagingIfRunning();
      if (chat === null) return [];
      // Refused (with the store's reason) rather than a list silently missing what was held before.
      await chat.heldLoaded();
      return chat.heldSenders();
    },
    'held:accept': async ({ jid }) => {
      await session.chat().acceptSender(jid);
      return { accepted: true as const };
    },
    'held:decline': async ({ jid }) => {
      await session.chat().declineSender(jid);
      return { declined: true as const };
    },
    'presence:get': async () => ({ presence: await session.chat().presence() }),
    'presence:set': ({ presence }) =>
      personFacing(async () => {
        await session.chat().setPresence(presence);
        return { presence };
      }),
    'messages:page': async ({ conversationId, before, limit }) => {
      const page = await session.store().pageMessages(conversationId, before ?? null, limit);
      const mask = session.masksPatientIdentifiers();
      const you = session.mentionTarget();
      return { messages: page.messages.map((m) => toMessageView(m, mask, you)), before: page.before };
    },
    'messages:send': ({ conversationId, body, urgent }) => personFacing(() => session.chat().send({ conversationId, body, urgent })),
    'drafts:get': ({ conversationId }) => session.store().draftFor(conversationId),
    'drafts:save': async ({ conversationId, body, urgent }) => {
      if (!(await session.saveDraft(conversationId, { body, urgent }))) throw new WardlineFailure('rejected', NO_SUCH_CONVERSATION);
      return { saved: true as const };
    },
    'messages:retry': ({ messageId }) =>
      personFacing(async () => {
        await session.chat().retry(messageId);
        return { queued: true as const };
      }),
    'messages:search': async ({ query, limit }) => {
      const mask = session.masksPatientIdentifiers();
      // Where identifiers are hidden, looking a patient up by number would show which conversations
      // are about them: the search is refused, not run.
      if (mask && findNhsNumbers(query).length > 0) throw new WardlineFailure('rejected', SEARCH_BY_NHS_NUMBER_REFUSED);
      const store = session.store();
      const [hits, conversations] = await Promise.all([store.search(query, limit), store.listConversations()]);
      const titles = new Map(conversations.map((c) => [c.id, shownText(c.title, mask)]));
      // The index holds the digits of NHS numbers: part of one ("943 476 591", the groups in another
      // order) would still find the patient's conversations. Masked, a hit counts only if the text
      // as shown (numbers hidden) still matches.
      const shown = mask ? hits.filter((m) => m.body !== null && matchesQuery(shownText(m.body, true), query)) : hits;
      return shown.map((m) => ({ ...toMessageView(m, mask), conversationId: m.conversationId, conversationTitle: titles.get(m.conversationId) ?? '' }));
    },
    'ui:focus': ({ conversationId, windowFocused }) => {
      ui.focus?.({ conversationId, windowFocused });
      return { ok: true as const };
    },
    'ui:input': () => {
      ui.input?.();
      return { ok: true as const };
    },
    'ui:copied': async () => {
      await session.governance().copiedByHand();
      return { ok: true as const };
    },
    'transcription:create': (request) => session.governance().transcribe(request),
    'transcription:copy': async ({ noteId }) => {
      await session.governance().copyNote(noteId);
      return { copied: true as const };
    },
    'transcription:saveFhir': ({ noteId }) => session.governance().saveFhir(noteId),
    'transcription:deleteOriginals': ({ conversationId, messageIds }) => session.governance().deleteOriginals(conversationId, messageIds),
    'governance:needsTranscription': async () => {
      const mask = session.masksPatientIdentifiers();
      return (await session.governance().needsTranscription()).map((entry) => ({
        ...entry,
        conversationTitle: shownText(entry.conversationTitle, mask),
        // A name is what its writer signed with (a room nickname can be anything): masked like the thread masks it.
        senderName: shownText(entry.senderName, mask),
      }));
    },
    'governance:needsTranscriptionCount': async () => ({ count: await session.governance().needsTranscriptionCount() }),
    'audit:list': async () => {
      const { entries, chainIntact } = await session.auditTrail().view(500);
      return { entries: entries.map(({ seq, at, kind, actor, details }) => ({ seq, at, kind, actor, details: { ...details } })), chainIntact };
    },
    'audit:export': () => session.governance().exportAudit(),
    ...incidentHandlers(session),
  };
}
