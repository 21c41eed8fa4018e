/**
 * Tells main the person is using Wardline's window, at most once per interval: the auto-lock's
 * fallback clock for when the OS idle time is stuck (electron/core/session/failSafeIdle.ts).
 * Reports carry nothing but the fact of input.
 */
export const INPUT_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel'] as const;

/** Report at most every 2 s: the auto-lock checks every 5 s and counts whole seconds. */
export const INPUT_REPORT_INTERVAL_MS = 2_000;

export function throttledInputReport(report: () => void, now: () => number = Date.now, intervalMs = INPUT_REPORT_INTERVAL_MS): () => void {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    const at = now();
    if (at - last < intervalMs) return;
    last = at;
    report();
  };
}

/** Listens on the window (capture, passive) until the returned function is called. */
export function reportInput(target: EventTarget, report: () => void): () => void {
  const onInput = throttledInputReport(report);
  for (const type of INPUT_EVENTS) target.addEventListener(type, onInput, { capture: true, passive: true });
  return () => {
    for (const type of INPUT_EVENTS) target.removeEventListener(type, onInput, { capture: true });
  };
}
