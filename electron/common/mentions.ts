/**
 * Whether a room message calls on this person: "@handle" (their room nick, which is their
 * account's local part) or their whole display name. Pure and shared: main decides from it what a
 * room set to "only when I am mentioned" notifies, the renderer marks the message.
 *
 * Case- and accent-blind ("@zoe" finds Zoë), whitespace-blind inside a name, and whole words only,
 * so "@sam" is not in "@samira", "bob@ana.example" does not mention "ana", and "Ana Lima" is not in
 * "Banana Limas". Only the whole name counts: a first name alone is shared by too many people on a
 * ward to interrupt anyone for.
 */
export interface MentionTarget {
  /** The account's local part ("alice" for alice@trust.nhs.uk): the nick rooms show. */
  handle: string | null;
  /** The display name the person chose ("Alice Moreno"). */
  name: string | null;
}

/** Shortest display name matched on its own (an initial would match half the ward). */
const MIN_NAME_LENGTH = 3;

export function mentionsYou(body: string | null, target: MentionTarget): boolean {
  if (body === null || body === '') return false;
  const text = fold(body);
  const handle = target.handle === null ? '' : fold(target.handle);
  if (handle !== '' && !/\s/u.test(handle) && containsWord(text, `@${handle}`)) return true;
  const name = target.name === null ? '' : fold(target.name);
  return name.length >= MIN_NAME_LENGTH && containsWord(text, name);
}

/** Lower case, accents off, runs of whitespace as one space. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}

function containsWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
    if (startsWord(text, at) && endsWord(text, at + word.length)) return true;
  }
  return false;
}

const WORD_CHARACTER = /[\p{L}\p{N}_]/u;

function startsWord(text: string, at: number): boolean {
  return at === 0 || !WORD_CHARACTER.test(text[at - 1] ?? '');
}

/** "@ana." and "@ana," end a mention; "@ana.lima", "@ana-marie" and "@ana_2" do not. */
function endsWord(text: string, at: number): boolean {
  const next = text[at] ?? '';
  if (next === '') return true;
  if (WORD_CHARACTER.test(next) || next === '-' || next === '@') return false;
  return !(next === '.' && WORD_CHARACTER.test(text[at + 1] ?? ''));
}
