/**
 * Wires a DraftKeeper to a component (call from its script): what main holds comes back first,
 * and only then are changes saved, so an empty view never overwrites a kept draft; what is pending
 * is saved when the component goes. Used by the composer and the incident forms.
 */
import { DraftKeeper } from './draftKeeper.js';

export interface DraftSource<T> {
  /** What main holds (null: nothing), or a sentence saying why it could not be read. */
  load(): Promise<{ ok: true; held: T | null } | { ok: false; message: string }>;
  /** Saves one draft; a sentence for the person if it was not kept, else null. */
  save(draft: T): Promise<string | null>;
}

export interface KeptDraft<T> {
  /** Why the draft is not being kept, if it is not: the person should know before relying on it. */
  readonly failure: string | null;
  readonly keeper: DraftKeeper<T> | null;
}

/**
 * `fields()` reads the view's state (tracked); `empty` is what "no draft" looks like; `restore`
 * puts a held draft back (it may decline, e.g. when the person already typed something).
 */
export function keepDraft<T>(source: () => DraftSource<T>, fields: () => T, empty: T, restore: (held: T) => void): KeptDraft<T> {
  let keeper = $state<DraftKeeper<T> | null>(null);
  let failure = $state<string | null>(null);

  $effect(() => {
    const { load, save } = source();
    let gone = false;
    let mine: DraftKeeper<T> | null = null;
    void load().then((loaded) => {
      if (gone) return;
      if (!loaded.ok) failure = loaded.message;
      else if (loaded.held !== null) restore(loaded.held);
      mine = new DraftKeeper<T>(save, (message) => (failure = message), loaded.ok ? (loaded.held ?? empty) : empty);
      keeper = mine;
    });
    return () => {
      gone = true;
      void mine?.dispose();
    };
  });

  $effect(() => {
    const value = $state.snapshot(fields()) as T;
    keeper?.changed(value);
  });

  return {
    get failure() {
      return failure;
    },
    get keeper() {
      return keeper;
    },
  };
}
