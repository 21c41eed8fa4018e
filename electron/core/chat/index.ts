/**
 * The messaging service: startChat(options) → ChatService (see chatTypes.ts), one per unlocked
 * profile. Plain Node; it never imports Electron.
 */
export { startChat, ChatSendError, ARCHIVE_PAGE_SIZE, INITIAL_SYNC_WINDOW_MS } from './chatService.js';
export { DEFAULT_URGENT_INTERVAL_MS, DEFAULT_URGENT_MAX_REMINDERS } from './urgentReminders.js';
export { RoomJoinError, RoomMembershipError } from './rooms.js';
export type * from './chatTypes.js';
