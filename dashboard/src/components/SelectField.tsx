import { type SelectHTMLAttributes, useId } from 'react';

/**
 * TextField's sibling for a fixed choice: a labelled select with an optional hint and an
 * inline error, tied to it the same way (`aria-describedby`, `aria-invalid`).
 */
export function SelectField<V extends string>({
  label,
  value,
  onValue,
  options,
  hint,
  error,
  ...select
}: {
  label: string;
  value: V;
  onValue(value: V): void;
  options: readonly { value: V; label: string }[];
  hint?: string;
  error?: string | undefined;
} & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'value' | 'onChange'>) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        {...select}
        id={id}
        value={value}
        // The options are the only values the select can take.
        onChange={(e) => onValue(e.target.value as V)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint ? (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
