import { useEffect, useId, useRef, useState } from 'react';
import { SelectField } from '../../components/SelectField.js';
import { TextField } from '../../components/TextField.js';
import { emptyTarget, MAX_TARGETS, type TargetForm, type TargetProblems } from './utils.js';

const TARGET_TYPES = [
  { value: 'webhook', label: 'Webhook (Alertmanager JSON)' },
  { value: 'slack', label: 'Slack incoming webhook' },
] as const;

type TargetPatch = Partial<Omit<TargetForm, 'key'>>;

/**
 * A rule's notification targets, up to the collector's limit. Each target is its own group
 * ("Target 2") so a screen reader says which target a field, or a problem under it, belongs to.
 */
export function TargetList({
  targets,
  problems,
  onTargets,
}: {
  targets: readonly TargetForm[];
  /** By target key (see `TargetForm.key`). */
  problems: Readonly<Record<number, TargetProblems>> | undefined;
  /** Gets a change to apply to the latest list, so quick edits cannot undo each other. */
  onTargets(change: (targets: TargetForm[]) => TargetForm[]): void;
}) {
  // Keys are never reused, so a new target cannot inherit a removed one's problems.
  const nextKey = useRef(Math.max(0, ...targets.map((t) => t.key)) + 1);
  const [added, setAdded] = useState<number | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const focusAdd = useRef(false);
  const limitId = useId();
  const full = targets.length >= MAX_TARGETS;

  // Removing a target removes the focused button with it; focus goes to "Add target" instead of
  // the page's start. After the render, because a full list had that button disabled.
  useEffect(() => {
    if (!focusAdd.current) return;
    focusAdd.current = false;
    addButton.current?.focus();
  });

  function add(): void {
    const key = nextKey.current++;
    onTargets((ts) => (ts.length >= MAX_TARGETS ? ts : [...ts, emptyTarget(key)]));
    setAdded(key);
  }

  function remove(key: number): void {
    focusAdd.current = true;
    onTargets((ts) => ts.filter((t) => t.key !== key));
  }

  const edit = (key: number) => (patch: TargetPatch) =>
    onTargets((ts) => ts.map((t) => (t.key === key ? { ...t, ...patch } : t)));

  return (
    <>
      {targets.map((t, i) => (
        <TargetFieldset
          key={t.key}
          target={t}
          number={i + 1}
          problems={problems?.[t.key]}
          focusFirst={t.key === added}
          onEdit={edit(t.key)}
          onRemove={() => remove(t.key)}
        />
      ))}
      <div className="field field-actions">
        <button
          ref={addButton}
          type="button"
          className="btn"
          disabled={full}
          aria-describedby={full ? limitId : undefined}
          onClick={add}
        >
          Add target
        </button>
        {full ? (
          <p id={limitId} className="field-hint">
            At most {MAX_TARGETS} targets per rule.
          </p>
        ) : null}
      </div>
    </>
  );
}

function TargetFieldset({
  target,
  number,
  problems = {},
  focusFirst,
  onEdit,
  onRemove,
}: {
  target: TargetForm;
  /** 1-based position, as people count. */
  number: number;
  problems: TargetProblems | undefined;
  /** Just added by the operator: take the focus, so typing continues in the new target. */
  focusFirst: boolean;
  onEdit(patch: TargetPatch): void;
  onRemove(): void;
}) {
  const group = useRef<HTMLFieldSetElement>(null);
  useEffect(() => {
    if (focusFirst) group.current?.querySelector('select')?.focus();
  }, [focusFirst]);

  return (
    <fieldset ref={group} className="target-fieldset">
      <legend>Target {number}</legend>
      <SelectField
        label="Notify via"
        value={target.type}
        onValue={(type) => onEdit({ type })}
        options={TARGET_TYPES}
        error={problems.type}
      />
      <TextField
        label="Webhook URL (optional)"
        value={target.url}
        onValue={(url) => onEdit({ url })}
        hint="Shown afterwards as its host only."
        error={problems.url}
        type="url"
        autoComplete="off"
        spellCheck={false}
      />
      <TextField
        label="Signing secret (optional)"
        value={target.secret}
        onValue={(secret) => onEdit({ secret })}
        hint="At least 16 characters; never shown again."
        error={problems.secret}
        type="password"
        autoComplete="off"
      />
      <div className="field field-actions">
        <button
          type="button"
          className="btn"
          aria-label={`Remove target ${number}`}
          onClick={onRemove}
        >
          Remove
        </button>
      </div>
    </fieldset>
  );
}
