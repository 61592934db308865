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
 * The cpu and mr of memory_region_ops events are written back (`cpu -1 mr 0x0` for events
 * without them), and so is the value the device returned (`raw`), which QEMU prints.
 */
import { secondsText } from './time.js';

type Ev = Record<string, unknown> & { type: string };

/** `TID@SEC.USEC:` when the event has both, else nothing. */
export function qemuPrefix(ev: Ev): string {
  if (typeof ev.t !== 'number') return '';
  if (typeof ev.tid === 'number') return `${ev.tid}@${secondsText(ev.t)}:`;
  // A time without a thread id (an ISO-prefixed log, an mmiotrace): QEMU 10's ISO-8601 prefix keeps it.
  return isoPrefix(ev.t);
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ ` of seconds since the epoch, to the microsecond; nothing for a time before 1970 or past 9999. */
export function isoPrefix(t: number): string {
  const text = secondsText(t);
  const dot = text.indexOf('.');
  const whole = Number(text.slice(0, dot));
  if (!(whole >= 0 && whole < 253402300800)) return '';
  return new Date(whole * 1000).toISOString().slice(0, 19) + '.' + text.slice(dot + 1) + 'Z ';
}

/** The `Region %s` name of an mmap event: as printed, else the one QEMU gives a BAR. */
const regionName = (ev: Ev) => (typeof ev.label === 'string' ? ev.label : `${ev.dev} BAR ${ev.region}`);
/** The last byte (inclusive, as QEMU prints it) of a half-open end. */
const lastByte = (end: string) => '0x' + (BigInt(end) - 1n).toString(16);

/** The hw/vfio/trace-events line of a context event that mmio-parse reads from one, or undefined. */
function contextLine(ev: Ev, p: string): string | undefined {
  const dev = ev.dev as string;
  switch (ev.type) {
    case 'region':
      return `${p}vfio_region_setup Device ${dev}, region ${ev.region} "${ev.label ?? ''}", flags: ${ev.flags}, offset: ${ev.fd_offset ?? '0x0'}, size: ${ev.size}`;
    case 'mmap':
      if (ev.start === undefined || ev.end === undefined) return `${p}vfio_region_mmaps_set_enabled Region ${regionName(ev)} mmaps enabled: ${ev.enabled ? 1 : 0}`;
      return ev.enabled
        ? `${p}vfio_region_mmap Region ${regionName(ev)} [${ev.start} - ${lastByte(ev.end as string)}]`
        : `${p}vfio_region_unmap Region ${regionName(ev)} unmap [${ev.start} - ${lastByte(ev.end as string)}]`;
    case 'reset':
      if (ev.how === 'reset') return `${p}vfio_pci_reset  (${dev})`;
      if (ev.how === 'flr') return `${p}vfio_pci_reset_flr ${dev} FLR/VFIO_DEVICE_RESET`;
      if (ev.how === 'pm') return `${p}vfio_pci_reset_pm ${dev} PCI PM Reset`;
      if (ev.how === 'hot') return `${p}vfio_pci_hot_reset_result ${dev} hot reset: ${ev.result ?? ''}`;
      if (typeof ev.how === 'string' && ev.how.startsWith('hot-')) return `${p}vfio_pci_hot_reset  (${dev}) ${ev.how.slice(4)}`;
      return undefined;
    case 'irq': {
      const key = `${ev.mode} ${ev.action}`;
      if (key === 'intx interrupt') return `${p}vfio_intx_interrupt  (${dev}) Pin ${ev.pin ?? 'A'}`;
      if (key === 'intx eoi') return `${p}vfio_intx_eoi  (${dev}) EOI`;
      if (key === 'msi interrupt') return `${p}vfio_msi_interrupt  (${dev}) vector ${ev.vector ?? 0} ${ev.msg_addr ?? '0x0'}/${ev.msg_data ?? '0x0'}`;
      if (key === 'msi enable') return `${p}vfio_msi_enable  (${dev}) Enabled ${ev.vectors ?? 0} MSI vectors`;
      if (key === 'msix use') return `${p}vfio_msix_vector_do_use  (${dev}) vector ${ev.vector ?? 0} used`;
      if (key === 'msix release') return `${p}vfio_msix_vector_release  (${dev}) vector ${ev.vector ?? 0} released`;
      if (['intx enable', 'intx disable', 'msi disable', 'msix enable', 'msix disable'].includes(key)) return `${p}vfio_${ev.mode}_${ev.action}  (${dev})`;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The QEMU line of one event, or undefined when QEMU has no event for it. */
export function qemuLine(ev: Ev): string | undefined {
  const p = qemuPrefix(ev);
  if (ev.type === 'event') return `${p}${ev.name}${ev.args ? ' ' + ev.args : ''}`;
  if (ev.type === 'region' || ev.type === 'mmap' || ev.type === 'reset' || ev.type === 'irq') return contextLine(ev, p);
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
    const cpu = typeof ev.cpu === 'number' ? ev.cpu : -1;
    const mr = typeof ev.mr === 'string' ? ev.mr : '0x0';
    const printed = typeof ev.raw === 'string' ? ev.raw : value;
    return `${p}memory_region_ops_${ev.type} cpu ${cpu} mr ${mr} addr ${ev.addr} value ${printed} size ${width}${name}`;
  }
  return undefined;
}
