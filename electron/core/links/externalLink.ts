/**
 * Policy for links a person clicks in Wardline. Only https leaves the app, and
 * only after the person confirms (the confirm step is the shell's job).
 */
export function isAllowedExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  // No credentials in links: "https://trusted@evil" is a classic phishing shape.
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname !== '';
}

/** Shell adapter: asks the person, then opens with the OS. Resolves false if they decline. */
export type ConfirmAndOpen = (url: string) => Promise<boolean>;
