import { describe, expect, it } from 'vitest';
import { throttledInputReport } from '../../renderer/src/lib/inputReports.js';

describe('input reports to main (auto-lock fallback)', () => {
  it('reports the first input at once, then at most once per interval', () => {
    let now = 10_000;
    let reports = 0;
    const onInput = throttledInputReport(() => reports++, () => now, 2_000);
    onInput();
    expect(reports).toBe(1);
    for (let i = 0; i < 50; i += 1) {
      now += 30; // a pointer moving for 1.5 s
      onInput();
    }
    expect(reports).toBe(1);
    now += 500;
    onInput();
    expect(reports).toBe(2);
  });
});
