/**
 * A sparkline as a bare SVG path: hundreds of tiles each redraw once a second, which a charting
 * library's per-chart layout and animation cannot keep smooth. A null breaks the line (a gap).
 */
export function Sparkline({
  values,
  min,
  max,
  label,
  width = 120,
  height = 28,
}: {
  values: readonly (number | null)[];
  min?: number;
  max?: number;
  label: string;
  width?: number;
  height?: number;
}) {
  const present = values.filter((v): v is number => v !== null);
  const lo = min ?? Math.min(...present);
  const hi = max ?? Math.max(...present);
  const span = hi - lo || 1;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - 2 - ((v - lo) / span) * (height - 4)).toFixed(1);
    d += `${pen ? 'L' : 'M'}${x} ${y}`;
    pen = true;
  });
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <path d={d} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
