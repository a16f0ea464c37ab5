export function StatTile({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="tile">
      <dt className="tile-label">{label}</dt>
      <dd className="tile-value">{value}</dd>
      {hint ? <dd className="tile-hint muted">{hint}</dd> : null}
    </div>
  );
}
