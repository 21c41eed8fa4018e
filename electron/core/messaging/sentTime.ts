/**
 * When was a message sent? XEP-0203 delay stamps are used only when they come from a party we
 * trust to stamp (the archive, our own server's offline store, the room's history) and are
 * sane; otherwise the message is dated now. A sender-supplied stamp could backdate a message
 * so that it hides among older history, which matters in a clinical record.
 */

/** XEP-0082 DateTime: 2026-11-25T13:12:24Z, optional fraction, Z or ±hh:mm. */
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
/** Nothing in a Wardline archive predates this. */
const EARLIEST = Date.UTC(2000, 0, 1);
/** Clock skew tolerated between server and workstation before a stamp is called impossible. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** Epoch ms for a sane stamp (future stamps within skew clamp to now), else null. */
export function parseDelayStamp(stamp: string | undefined, now: number): number | null {
  if (stamp === undefined || !DATETIME.test(stamp)) return null;
  const at = Date.parse(stamp);
  if (!Number.isFinite(at) || at < EARLIEST || at > now + MAX_FUTURE_SKEW_MS) return null;
  return Math.min(at, now);
}
