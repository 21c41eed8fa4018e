/**
 * Half-filled incident forms (declare, call-in request), kept in the profile's encrypted settings
 * so a lock or "Back to messages" does not lose what a coordinator typed. A stored draft is read
 * back only if it still fits the form's shape (one left by an older version is dropped). Each is
 * stored with when it was saved, so retention drops one nobody has touched for the lifespan, as it
 * does the composer's drafts.
 */
import { FormDraftSchema, type FormDraft } from '../../common/contract.js';
import type { WardlineStore } from '../store/index.js';

type FormName = FormDraft['form'];
type Settings = Pick<WardlineStore, 'getSetting' | 'setSetting'>;

/** Every form with a draft: a Record, so the type check fails if the contract gains a form not listed. */
const FORMS: Record<FormName, true> = { 'incident-declare': true, 'incident-request': true };

const settingKey = (form: FormName): string => `form-draft.${form}`;

/** The stored value: `{ savedAt, draft }`; null for none or unreadable. Older builds stored the draft alone (savedAt 0). */
function readStored(raw: string | null): { savedAt: number; draft: unknown } | null {
  if (raw === null || raw === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { savedAt: 0, draft: null };
  }
  if (typeof parsed === 'object' && parsed !== null && 'savedAt' in parsed && 'draft' in parsed && typeof parsed.savedAt === 'number') {
    return { savedAt: parsed.savedAt, draft: parsed.draft };
  }
  return { savedAt: 0, draft: parsed };
}

export async function loadFormDraft(store: Settings, form: FormName): Promise<FormDraft | null> {
  const stored = readStored(await store.getSetting(settingKey(form)));
  if (stored === null) return null;
  const draft = FormDraftSchema.safeParse(stored.draft);
  return draft.success && draft.data.form === form ? draft.data : null;
}

/** An empty value stands for "no draft": settings have no delete, and secure_delete zeroes the old text. */
export async function saveFormDraft(store: Settings, draft: FormDraft | { form: FormName; fields: null }, now: number = Date.now()): Promise<void> {
  await store.setSetting(settingKey(draft.form), draft.fields === null ? '' : JSON.stringify({ savedAt: now, draft }));
}

/** Retention: drops every form draft last saved before `cutoff` (or unreadable); returns how many. */
export async function purgeFormDraftsBefore(store: Settings, cutoff: number): Promise<number> {
  let purged = 0;
  for (const form of Object.keys(FORMS) as FormName[]) {
    const stored = readStored(await store.getSetting(settingKey(form)));
    if (stored === null || stored.savedAt >= cutoff) continue;
    await store.setSetting(settingKey(form), '');
    purged += 1;
  }
  return purged;
}
