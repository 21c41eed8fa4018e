/**
 * Said after every export: the file is outside the encrypted store, and on a shared login anyone
 * who uses the computer can open it. Wardline cannot protect it from there, so the person is told
 * what to do with it.
 */
export const EXPORT_FILE_WARNING = 'This file is not encrypted: anyone using this computer’s login can open it. Put it where it belongs, then delete it from here.';

export function savedNotice(saved: string, location: string | null): string {
  return `${saved}${location === null ? '' : ` to ${location}`}. ${EXPORT_FILE_WARNING}`;
}
