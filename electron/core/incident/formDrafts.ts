/**
 * Half-filled incident forms (declare, call-in request), kept in the profile's encrypted settings
 * so a lock or "Back to messages" does not lose what a coordinator typed. A stored draft is read
 * back only if it still fits the form's shape (one left by an older version is dropped).
 */
import { FormDraftSchema, type FormDraft } from '../../common/contract.js';
import type { WardlineStore } from '../store/index.js';

type FormName = FormDraft['form'];
type Settings = Pick<WardlineStore, 'getSetting' | 'setSetting'>;

const settingKey = (form: FormName): string => `form-draft.${form}`;

export async function loadFormDraft(store: Settings, form: FormName): Promise<FormDraft | null> {
  const raw = await store.getSetting(settingKey(form));
  if (raw === null || raw === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const draft = FormDraftSchema.safeParse(parsed);
  return draft.success && draft.data.form === form ? draft.data : null;
}

/** An empty value stands for "no draft": settings have no delete, and secure_delete zeroes the old text. */
export async function saveFormDraft(store: Settings, draft: FormDraft | { form: FormName; fields: null }): Promise<void> {
  await store.setSetting(settingKey(draft.form), draft.fields === null ? '' : JSON.stringify(draft));
}
