/**
 * Record times as a UK clinician reads them: wall-clock Europe/London with the zone spelled
 * out, because a note pasted into the EPR in October must not leave anyone guessing whether
 * 01:30 was GMT or BST (that hour happens twice on the last Sunday of October).
 */

/** Month names are fixed here: ICU's en-GB short month for September is "Sept", not "Sep". */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * Wall-clock parts only: the zone is derived from the offset below, because ICU's zone labels
 * vary ("GMT", "GMT+0", "UTC") between versions and locales.
 */
const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: 'numeric',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Minutes east of UTC to the label a UK reader expects. */
const ZONES: Readonly<Record<number, string>> = { 0: 'GMT', 60: 'BST' };
const MINUTE = 60_000;

/** "DD Mon YYYY HH:MM GMT" or "… BST", for epoch milliseconds. */
export function formatLondonTime(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`Not a time: ${epochMs}`);
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of LONDON.formatToParts(epochMs)) parts[part.type] = part.value;
  const year = Number(parts.year);
  const monthIndex = Number(parts.month) - 1;
  const month = MONTHS[monthIndex];
  const wallClock = Date.UTC(year, monthIndex, Number(parts.day), Number(parts.hour), Number(parts.minute));
  const offset = Math.round((wallClock - Math.floor(epochMs / MINUTE) * MINUTE) / MINUTE);
  // Europe/London has been GMT or BST since 1972; anything else would be a wrong label on the record.
  const zone = ZONES[offset];
  if (month === undefined || zone === undefined) throw new RangeError(`Unexpected Europe/London time parts for ${epochMs}`);
  return `${parts.day} ${month} ${parts.year} ${parts.hour}:${parts.minute} ${zone}`;
}

/** FHIR instant/dateTime: ISO 8601 in UTC, unambiguous for any receiving system. */
export function isoInstant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
