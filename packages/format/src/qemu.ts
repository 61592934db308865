/**
 * Events to QEMU log-backend lines, in the format strings of QEMU's hw/vfio/trace-events and
 * system/trace-events. The log backend prints `name ` then the format, so formats that start
 * with ` (` give two spaces. With `t` and `tid` the line gets the `TID@SEC.USEC:` prefix of
 * -msg timestamp=on.
 *   vfio_region_write  (%s:region%d+0x%"PRIx64", 0x%"PRIx64", %d)
 *   vfio_region_read  (%s:region%d+0x%"PRIx64", %d) = 0x%"PRIx64
 *   vfio_pci_read_config  (%s, @0x%x, len=0x%x) 0x%x
 *   vfio_pci_write_config  (%s, @0x%x, 0x%x, len=0x%x)
 *   vfio_rom_read  (%s, 0x%"PRIx64", 0x%x) = 0x%"PRIx64
 *   vfio_vga_read  (0x%"PRIx64", %d) = 0x%"PRIx64
 *   vfio_vga_write  (0x%"PRIx64", 0x%"PRIx64", %d)
 *   memory_region_ops_read cpu %d mr %p addr 0x%"PRIx64" value 0x%"PRIx64" size %u name '%s'
 * mmio-parse does not keep the cpu and mr of memory_region_ops events: they are written as
 * `cpu -1 mr 0x0`.
 */
import { secondsText } from './time.js';

type Ev = Record<string, unknown> & { type: string };

/** `TID@SEC.USEC:` when the event has both, else nothing. */
export function qemuPrefix(ev: Ev): string {
  if (typeof ev.t !== 'number' || typeof ev.tid !== 'number') return '';
  return `${ev.tid}@${secondsText(ev.t)}:`;
}

/** The QEMU line of one event, or undefined when QEMU has no event for it. */
export function qemuLine(ev: Ev): string | undefined {
  const p = qemuPrefix(ev);
  if (ev.type === 'event') return `${p}${ev.name}${ev.args ? ' ' + ev.args : ''}`;
  if (ev.type !== 'read' && ev.type !== 'write') return undefined;
  const r = ev.type === 'read';
  const { dev, region, offset, width, value } = ev as unknown as { dev?: string; region?: number; offset?: string; width: number; value: string };
  const src = ev.src as string | undefined;
  if (src === 'vfio-config' || (src === undefined && region === 7 && dev !== undefined)) {
    return r
      ? `${p}vfio_pci_read_config  (${dev}, @${offset}, len=0x${width.toString(16)}) ${value}`
      : `${p}vfio_pci_write_config  (${dev}, @${offset}, ${value}, len=0x${width.toString(16)})`;
  }
  if ((src === 'vfio-rom' || region === 6) && r && dev !== undefined && offset !== undefined) {
    return `${p}vfio_rom_read  (${dev}, ${offset}, 0x${width.toString(16)}) = ${value}`;
  }
  if (src === 'vfio-vga' || (region === 8 && offset !== undefined)) {
    return r ? `${p}vfio_vga_read  (${offset}, ${width}) = ${value}` : `${p}vfio_vga_write  (${offset}, ${value}, ${width})`;
  }
  if (dev !== undefined && region !== undefined && offset !== undefined && src !== 'memory') {
    return r
      ? `${p}vfio_region_read  (${dev}:region${region}+${offset}, ${width}) = ${value}`
      : `${p}vfio_region_write  (${dev}:region${region}+${offset}, ${value}, ${width})`;
  }
  if (ev.addr !== undefined) {
    const name = ev.name === undefined ? '' : ` name '${ev.name}'`;
    return `${p}memory_region_ops_${ev.type} cpu -1 mr 0x0 addr ${ev.addr} value ${value} size ${width}${name}`;
  }
  return undefined;
}
