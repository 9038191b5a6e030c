/**
 * Cells of nvidia-smi's `--format=csv,noheader,nounits` output. The driver spells "no value" in
 * several ways ([N/A], N/A, [Not Supported], [Unknown Error], …): all of them are null here, never 0.
 */
export function cellNumber(cell: string | undefined): number | null {
  if (cell === undefined) return null;
  const c = cell.trim();
  if (c === '' || c.startsWith('[') || c === 'N/A') return null;
  const n = Number(c);
  return Number.isFinite(n) ? n : null;
}

export function cellText(cell: string | undefined): string | null {
  const c = cell?.trim();
  return !c || c.startsWith('[') || c === 'N/A' ? null : c;
}
