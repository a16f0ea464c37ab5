import { type InputHTMLAttributes, useId } from 'react';

/**
 * A labelled text input with an optional hint and an inline error, both tied to the input
 * (`aria-describedby`, `aria-invalid`) so screen readers read them with the field.
 */
export function TextField({
  label,
  value,
  onValue,
  hint,
  error,
  ...input
}: {
  label: string;
  value: string;
  onValue(value: string): void;
  hint?: string;
  error?: string | undefined;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'>) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        {...input}
        id={id}
        value={value}
        onChange={(e) => onValue(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      />
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
