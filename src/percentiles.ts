/** Nearest-rank percentiles (keys 'p50', …), plus 'max' and 'count'. */
export function percentiles(values: number[], ps: number[] = [50, 90, 99]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const result: Record<string, number> = {};
  for (const p of ps) result[`p${p}`] = n === 0 ? NaN : sorted[Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1]!;
  result.max = n === 0 ? NaN : sorted[n - 1]!;
  result.count = n;
  return result;
}
