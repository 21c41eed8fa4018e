/**
 * A re-read of what the screen shows, run one at a time: calls that come while it runs ask for
 * one more run after it, not one each. A burst of change events (an archive catch-up, a call-in of
 * hundreds) then costs two reads, and the last one always sees the latest state.
 */
export function singleFlight(read: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async (): Promise<void> => {
    try {
      do {
        again = false;
        await read();
      } while (again);
    } finally {
      running = null;
    }
  };
  return () => {
    if (running !== null) {
      again = true;
      return running;
    }
    running = loop();
    return running;
  };
}
