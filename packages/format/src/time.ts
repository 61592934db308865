/**
 * Seconds as `SEC.USEC` with six digits, as both QEMU (`%zu.%06zu`) and the kernel's mmiotrace
 * (`%u.%06lu`) print their timestamps.
 */
export function secondsText(t: number): string {
  const us = Math.round(t * 1e6);
  const s = Math.floor(us / 1e6);
  return `${s}.${String(us - s * 1e6).padStart(6, '0')}`;
}
