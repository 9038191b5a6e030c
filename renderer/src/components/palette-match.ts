/** Every word of the query appears in the label (any order, any case): "rad ack" finds "Acknowledge rad-01 …". */
export function matches(label: string, query: string): boolean {
  const l = label.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => l.includes(w));
}
