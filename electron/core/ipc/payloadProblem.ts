/**
 * Turns main's refusal of a malformed request into words a person can act on, naming the field as
 * the form labels it ("Staff announcement room: enter an address like name@hospital.example."),
 * when the field is one a person types into. Everything else (ids, flags, cursors: a bug or a
 * hostile page, not a typing slip) keeps the generic refusal. Never echoes the value refused.
 */
import type { FieldLabels, WardlineError } from '../../common/contract.js';
import { valueAtPath } from '../schemaPaths.js';

/** The parts of a zod issue this reads (zod 4 issues carry no input unless asked to). */
export interface PayloadIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly origin?: string;
  readonly expected?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
}

/** `payload` is only looked into to tell a missing field from a wrong one; nothing of it is repeated. */
export function payloadProblem(issues: readonly PayloadIssue[], payload: unknown, labels: FieldLabels = {}): WardlineError {
  for (const issue of issues) {
    const field = issue.path[0];
    const label = labelFor(issue.path, labels);
    if (typeof field !== 'string' || label === null) continue;
    return { code: 'invalid-payload', field, message: `${label}: ${problem(issue, valueAtPath(payload, issue.path) === undefined)}.` };
  }
  return { code: 'invalid-payload', message: `Wardline rejected a malformed request (${issues.length} problem(s)).` };
}

/**
 * Labels are keyed by path with `*` for a list position ('lines.*.location'); a `#` in the label
 * becomes that position counted from 1 ('Report to, line #' → 'Report to, line 2').
 */
function labelFor(path: readonly PropertyKey[], labels: FieldLabels): string | null {
  const key = path.map((part) => (typeof part === 'number' ? '*' : String(part))).join('.');
  const label = Object.hasOwn(labels, key) ? labels[key] : undefined;
  if (label === undefined) return null;
  const position = path.find((part): part is number => typeof part === 'number');
  return position === undefined ? label : label.replace('#', String(position + 1));
}

function problem(issue: PayloadIssue, missing: boolean): string {
  const { origin } = issue;
  switch (issue.code) {
    case 'too_small': {
      const min = Number(issue.minimum);
      if (origin === 'string') return min <= 1 ? 'this cannot be empty' : `use at least ${min} characters`;
      if (origin === 'array') return min <= 1 ? 'add at least one' : `add at least ${min}`;
      return `the lowest allowed is ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (origin === 'string') return `use at most ${max.toLocaleString('en-GB')} characters`;
      if (origin === 'array') return `at most ${max} can be given at once`;
      return `the highest allowed is ${max.toLocaleString('en-GB')}`;
    }
    case 'invalid_format':
    case 'custom':
      // The contract's own wording for people ("enter an address like …"); zod's defaults start "Invalid".
      return issue.message.startsWith('Invalid') ? 'this is not in the expected form' : issue.message;
    case 'invalid_type':
      if (missing) return 'this is missing';
      return issue.expected === 'int' ? 'use a whole number' : 'this is not in the expected form';
    default:
      return 'this is not in the expected form';
  }
}
