/** How a device is named in events: the `dev` field. */

const SHORT_PCI = /^[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const FULL_PCI = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

/**
 * The `dev` of a device name as a trace or a user writes it: a PCI address
 * is lowercased and `03:00.0` becomes `0000:03:00.0`; any other name (a VFIO
 * device name, say) stays as it is.
 */
export function canonicalDev(name: string): string {
  if (FULL_PCI.test(name)) return name.toLowerCase();
  if (SHORT_PCI.test(name)) return '0000:' + name.toLowerCase();
  return name;
}
