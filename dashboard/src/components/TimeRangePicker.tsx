import { useId, useState } from 'react';
import { fromLocalInput, PRESETS, type TimeWindow, toLocalInput } from '../utils/timeRange.js';

export function TimeRangePicker({
  value,
  onChange,
}: {
  value: TimeWindow;
  onChange(w: TimeWindow): void;
}) {
  const id = useId();
  const [customOpen, setCustomOpen] = useState(value.kind === 'custom');
  const now = Date.now();
  const [from, setFrom] = useState(
    toLocalInput(value.kind === 'custom' ? value.from : new Date(now - 3_600_000).toISOString()),
  );
  const [to, setTo] = useState(
    toLocalInput(value.kind === 'custom' ? value.to : new Date(now).toISOString()),
  );
  const [invalid, setInvalid] = useState<string | null>(null);
  const selected = customOpen || value.kind === 'custom' ? 'custom' : value.range;

  return (
    <div className="range-picker">
      <label htmlFor={`${id}-range`}>Time range</label>
      <select
        id={`${id}-range`}
        value={selected}
        onChange={(e) => {
          const v = e.target.value;
          if (v === 'custom') {
            setCustomOpen(true);
            return;
          }
          setCustomOpen(false);
          const preset = PRESETS.find((p) => p.value === v);
          if (preset) onChange({ kind: 'preset', range: preset.value });
        }}
      >
        {PRESETS.map((p) => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
        <option value="custom">Custom…</option>
      </select>
      {selected === 'custom' ? (
        <form
          className="range-custom"
          onSubmit={(e) => {
            e.preventDefault();
            const f = fromLocalInput(from);
            const t = fromLocalInput(to);
            if (!f || !t || Date.parse(f) >= Date.parse(t)) {
              setInvalid('“From” must be before “To”.');
              return;
            }
            setInvalid(null);
            onChange({ kind: 'custom', from: f, to: t });
          }}
        >
          <label htmlFor={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            type="datetime-local"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            type="datetime-local"
            value={to}
            onChange={(e) => setTo(e.target.value)}
          />
          <button type="submit" className="btn">
            Apply
          </button>
          {invalid ? (
            <span role="alert" className="field-error">
              {invalid}
            </span>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}
