import { type FormEvent, useState } from 'react';
import type { AppError } from '../api/errors.js';

export interface CreateFormOptions<F, I extends { name: string }, P> {
  empty: F;
  /** The form's own checks: the input to send, or the problems to show under fields. */
  build(form: F): { input: I } | { problems: P };
  /** Sends the input; null when it was created, else the API's error. */
  create(input: I): Promise<AppError | null>;
  /**
   * The API's refusal, placed under the fields it names, plus what names no field. `submitted`
   * is the form as it was sent: a path into a list (`targets.1.url`) counts what was sent.
   */
  place(err: AppError, submitted: F): { fields: P; form: string | null };
}

/**
 * The state of a "create something" form (plans, alert rules): field values, problems under
 * fields, a problem for the whole form, and the name of what was just created. Submitting runs
 * the form's own checks first and asks the API only when they pass; a success empties the form.
 */
export function useCreateForm<F, I extends { name: string }, P extends object>(
  options: CreateFormOptions<F, I, P>,
) {
  const [form, setForm] = useState<F>(options.empty);
  const [problems, setProblems] = useState<P>({} as P);
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const set =
    <K extends keyof F>(k: K) =>
    (v: F[K]) =>
      setForm((f) => ({ ...f, [k]: v }));
  /** For changes that depend on the latest value (adding to or removing from a list field). */
  const update = (change: (form: F) => F) => setForm(change);

  async function onSubmit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setCreated(null);
    setFormError(null);
    const built = options.build(form);
    if ('problems' in built) {
      setProblems(built.problems);
      return;
    }
    setProblems({} as P);
    const err = await options.create(built.input);
    if (!err) {
      setForm(options.empty);
      setCreated(built.input.name);
      return;
    }
    const placed = options.place(err, form);
    setProblems(placed.fields);
    setFormError(placed.form);
  }

  return { form, set, update, problems, formError, created, onSubmit };
}
