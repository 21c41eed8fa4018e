/**
 * Whether a room message calls on this person: "@handle" (their room nick, which is their
 * account's local part) or their whole display name. Pure and shared: main decides from it what a
 * room set to "only when I am mentioned" notifies, the renderer marks the message.
 *
 * Case- and accent-blind ("@zoe" finds Zoë), whitespace-blind inside a name, and whole words only,
 * so "@sam" is not in "@samira", "bob@ana.example" and "https://host/@ana" do not mention "ana",
 * and "Ana Lima" is not in "Banana Limas". The name counts only when it has two words or more: a
 * first name alone ("Sam") is shared by too many people on a ward to interrupt anyone for.
 */
import { foldForMatching } from './textFolding.js';

export interface MentionTarget {
  /** The account's local part ("alice" for alice@trust.nhs.uk): the nick rooms show. */
  handle: string | null;
  /** The display name the person chose ("Alice Moreno"). */
  name: string | null;
}

export function mentionsYou(body: string | null, target: MentionTarget): boolean {
  if (body === null || body === '') return false;
  const text = foldForMatching(body);
  const handle = target.handle === null ? '' : foldForMatching(target.handle);
  if (handle !== '' && !handle.includes(' ') && containsWord(text, `@${handle}`)) return true;
  const name = target.name === null ? '' : foldForMatching(target.name);
  return name.includes(' ') && containsWord(text, name);
}

function containsWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
    if (startsWord(text, at) && endsWord(text, at + word.length)) return true;
  }
  return false;
}

const WORD_CHARACTER = /^[\p{L}\p{N}_]$/u;

/** The whole character (a surrogate pair is one) just before `at`, or ''. */
function characterBefore(text: string, at: number): string {
  if (at === 0) return '';
  const low = text.charCodeAt(at - 1);
  return low >= 0xdc00 && low <= 0xdfff && at >= 2 ? text.slice(at - 2, at) : text.slice(at - 1, at);
}

/** The whole character starting at `at`, or ''. */
function characterAt(text: string, at: number): string {
  const code = text.codePointAt(at);
  return code === undefined ? '' : String.fromCodePoint(code);
}

/** Not inside a word, an address ("bob@ana") or a path ("/@ana"). */
function startsWord(text: string, at: number): boolean {
  const before = characterBefore(text, at);
  return before === '' || !(WORD_CHARACTER.test(before) || before === '/' || before === '@');
}

/** "@ana." and "@ana," end a mention; "@ana.lima", "@ana-marie" and "@ana_2" do not. */
function endsWord(text: string, at: number): boolean {
  const next = characterAt(text, at);
  if (next === '') return true;
  if (WORD_CHARACTER.test(next) || next === '-' || next === '@') return false;
  return !(next === '.' && WORD_CHARACTER.test(characterAt(text, at + 1)));
}
