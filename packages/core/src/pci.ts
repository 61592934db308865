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

/** A PCI address as lspci -s takes it, each part possibly unpadded: [DOMAIN:]BUS:DEVICE.FUNCTION. */
const LOOSE_PCI = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;

/**
 * The `dev` a user means by a --dev (or --map-dev) value: a PCI address in any
 * form lspci takes (`3:0.0` is 0000:03:00.0), else a device name as the trace
 * prints it. A value made of hex digits, `:` and `.` that is no PCI address
 * (`03:00`, `03.00.0`, a function past 7) can never match: undefined.
 */
export function devOption(value: string): string | undefined {
  const m = LOOSE_PCI.exec(value);
  if (m) return `${(m[1] ?? '0').padStart(4, '0')}:${m[2]!.padStart(2, '0')}:${m[3]!.padStart(2, '0')}.${m[4]}`.toLowerCase();
  if (/^[0-9a-fA-F:.]+$/.test(value) && /[:.]/.test(value)) return undefined;
  return canonicalDev(value);
}

/** The accepted forms of a device, for messages. */
export const DEV_FORMS = '0000:03:00.0 (domain:bus:device.function, as lspci -D prints it), 03:00.0 (as lspci prints it), or a device name as the trace prints it';
