/**
 * What of an error may go into the content-free log: its kind (our error classes) or its class
 * name, never its message, which can carry message text, addresses or a server's own words.
 */
export function errorName(error: unknown): string {
  if (error instanceof Error) {
    const kind = (error as Error & { kind?: unknown }).kind;
    return typeof kind === 'string' ? kind : error.name;
  }
  return 'unknown';
}
