/**
 * The edit script of two short key sequences by dynamic-programming LCS: '=' (both), '-'
 * (only in a), '+' (only in b). O(n·m) time and memory, for windows of about a thousand.
 * Among equal-length scripts it prefers deletions before insertions, as diff(1) prints them.
 */
export type Op = '=' | '-' | '+';

export function editScript(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  // len[i*w + j] = LCS length of a[i..] and b[j..]
  const len = new Uint16Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      len[i * w + j] = a[i] === b[j] ? len[(i + 1) * w + j + 1]! + 1 : Math.max(len[(i + 1) * w + j]!, len[i * w + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push('=');
      i++;
      j++;
    } else if (i < n && (j === m || len[(i + 1) * w + j]! >= len[i * w + j + 1]!)) {
      ops.push('-');
      i++;
    } else {
      ops.push('+');
      j++;
    }
  }
  return ops;
}
