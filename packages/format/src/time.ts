/**
 * Seconds as `SEC.USEC` with six digits, as both QEMU (`%zu.%06zu`) and the kernel's mmiotrace
 * (`%u.%06lu`) print their timestamps.
 */
export function secondsText(t: number): string {
  if (t < 0) return '-' + secondsText(-t);
  const us = Math.round(t * 1e6);
  if (!Number.isSafeInteger(us)) {
    // Past 2^53 microseconds (the year 2255): the seconds, exactly as the number holds them.
    const s = BigInt(Math.trunc(t));
    return `${s}.${String(Math.round((t - Math.trunc(t)) * 1e6)).padStart(6, '0').slice(0, 6)}`;
  }
  const s = Math.floor(us / 1e6);
  return `${s}.${String(us - s * 1e6).padStart(6, '0')}`;
}
