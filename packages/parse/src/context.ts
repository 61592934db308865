/**
 * QEMU trace events that say what the trace itself cannot show: the real size
 * of each VFIO region, which regions are mmapped (the guest's accesses to them
 * go around QEMU and are not traced), resets and interrupts. Formats as QEMU's
 * hw/vfio/trace-events prints them, unchanged from QEMU 7.2 to 10:
 *   vfio_region_setup              "Device %s, region %d \"%s\", flags: 0x%lx, offset: 0x%lx, size: 0x%lx"
 *   vfio_region_mmap               "Region %s [0x%lx - 0x%lx]"           (the last byte, inclusive)
 *   vfio_region_unmap              "Region %s unmap [0x%lx - 0x%lx]"
 *   vfio_region_mmaps_set_enabled  "Region %s mmaps enabled: %d"
 *   vfio_pci_reset                 " (%s)"
 *   vfio_pci_reset_flr             "%s FLR/VFIO_DEVICE_RESET"
 *   vfio_pci_reset_pm              "%s PCI PM Reset"
 *   vfio_pci_hot_reset             " (%s) %s"                             (one or multi)
 *   vfio_pci_hot_reset_result      "%s hot reset: %s"
 *   vfio_intx_interrupt            " (%s) Pin %c"
 *   vfio_intx_eoi, _enable, _disable                                      " (%s) EOI", " (%s)"
 *   vfio_msi_interrupt             " (%s) vector %d 0x%"PRIx64"/0x%x"    (MSI and MSI-X alike)
 *   vfio_msi_enable                " (%s) Enabled %d MSI vectors"
 *   vfio_msi_disable, vfio_msix_enable, vfio_msix_disable                 " (%s)"
 *   vfio_msix_vector_do_use        " (%s) vector %d used"
 *   vfio_msix_vector_release       " (%s) vector %d released"
 * A region's name is `DEV BAR N` (and `DEV BAR N mmaps[I]` for its mmaps), from
 * which the device and region are read.
 */
import { hexLiteral, type MmioEvent } from '@mmio-tools/core';
import { normalizeDev } from './common.js';

/** Reads the arguments of one context event; undefined when they are not in its format. */
export type ContextHandler = (args: string) => MmioEvent | undefined;

const HEX = '(0x[0-9a-fA-F]{1,16})';
const hex = (text: string) => hexLiteral(text)!;
const int = (text: string) => {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
};

const REGION_SETUP = new RegExp(`^Device (.+), region (\\d+) "(.*)", flags: ${HEX}, offset: ${HEX}, size: ${HEX}$`);
const REGION_MMAP = new RegExp(`^Region (.+) \\[${HEX} - ${HEX}\\]$`);
const REGION_UNMAP = new RegExp(`^Region (.+) unmap \\[${HEX} - ${HEX}\\]$`);
const MMAPS_ENABLED = /^Region (.+) mmaps enabled: ([01])$/;
const LABEL = /^(.+) BAR (\d+)(?: mmaps\[\d+\])?$/;
const DEV_ONLY = /^\((.+)\)$/;

/** dev and region of a region name `DEV BAR N[ mmaps[I]]`, and the name as printed. */
function labelled(label: string): { dev?: string; region?: number; label: string } {
  const m = LABEL.exec(label);
  const region = m ? int(m[2]!) : undefined;
  if (!m || region === undefined) return { label };
  return { dev: normalizeDev(m[1]!), region, label };
}

/** The inclusive [first, last] QEMU prints as our half-open [start, end). */
function span(first: string, last: string): { start: string; end: string } | undefined {
  const a = BigInt(first);
  const b = BigInt(last) + 1n;
  return b > a ? { start: '0x' + a.toString(16), end: '0x' + b.toString(16) } : undefined;
}

function mmap(m: RegExpExecArray | null, enabled: boolean): MmioEvent | undefined {
  if (!m) return undefined;
  const s = span(m[2]!, m[3]!);
  if (!s) return undefined;
  return { type: 'mmap', src: 'vfio', ...labelled(m[1]!), ...s, enabled };
}

/** A handler for an event whose arguments are ` (DEV)` and maybe more, matched by `re` (group 1 the device). */
function withDev(re: RegExp, make: (dev: string, m: RegExpExecArray) => MmioEvent | undefined): ContextHandler {
  return (args) => {
    const m = re.exec(args);
    return m ? make(normalizeDev(m[1]!), m) : undefined;
  };
}

const irq = (mode: string, action: string) => withDev(DEV_ONLY, (dev) => ({ type: 'irq', src: 'vfio', dev, mode, action }));
const reset = (re: RegExp, how: string) => withDev(re, (dev) => ({ type: 'reset', src: 'vfio', dev, how }));

export const CONTEXT_HANDLERS = new Map<string, ContextHandler>([
  [
    'vfio_region_setup',
    withDev(REGION_SETUP, (dev, m) => {
      const region = int(m[2]!);
      if (region === undefined) return undefined;
      return { type: 'region', src: 'vfio', dev, region, label: m[3]!, size: hex(m[6]!), flags: hex(m[4]!), fd_offset: hex(m[5]!) };
    }),
  ],
  ['vfio_region_mmap', (a) => mmap(REGION_MMAP.exec(a), true)],
  ['vfio_region_unmap', (a) => mmap(REGION_UNMAP.exec(a), false)],
  [
    'vfio_region_mmaps_set_enabled',
    (a) => {
      const m = MMAPS_ENABLED.exec(a);
      return m ? { type: 'mmap', src: 'vfio', ...labelled(m[1]!), enabled: m[2] === '1' } : undefined;
    },
  ],
  ['vfio_pci_reset', reset(DEV_ONLY, 'reset')],
  ['vfio_pci_reset_flr', reset(/^(.+) FLR\/VFIO_DEVICE_RESET$/, 'flr')],
  ['vfio_pci_reset_pm', reset(/^(.+) PCI PM Reset$/, 'pm')],
  ['vfio_pci_hot_reset', withDev(/^\((.+)\) (\S+)$/, (dev, m) => ({ type: 'reset', src: 'vfio', dev, how: `hot-${m[2]}` }))],
  ['vfio_pci_hot_reset_result', withDev(/^(.+) hot reset: (.*)$/, (dev, m) => ({ type: 'reset', src: 'vfio', dev, how: 'hot', result: m[2]! }))],
  ['vfio_intx_interrupt', withDev(/^\((.+)\) Pin (.)$/, (dev, m) => ({ type: 'irq', src: 'vfio', dev, mode: 'intx', action: 'interrupt', pin: m[2]! }))],
  ['vfio_intx_eoi', withDev(/^\((.+)\) EOI$/, (dev) => ({ type: 'irq', src: 'vfio', dev, mode: 'intx', action: 'eoi' }))],
  ['vfio_intx_enable', irq('intx', 'enable')],
  ['vfio_intx_disable', irq('intx', 'disable')],
  [
    'vfio_msi_interrupt',
    withDev(new RegExp(`^\\((.+)\\) vector (-?\\d+) ${HEX}/${HEX}$`), (dev, m) => {
      const vector = int(m[2]!);
      if (vector === undefined) return undefined;
      return { type: 'irq', src: 'vfio', dev, mode: 'msi', action: 'interrupt', vector, msg_addr: hex(m[3]!), msg_data: hex(m[4]!) };
    }),
  ],
  [
    'vfio_msi_enable',
    withDev(/^\((.+)\) Enabled (\d+) MSI vectors$/, (dev, m) => {
      const vectors = int(m[2]!);
      return vectors === undefined ? undefined : { type: 'irq', src: 'vfio', dev, mode: 'msi', action: 'enable', vectors };
    }),
  ],
  ['vfio_msi_disable', irq('msi', 'disable')],
  ['vfio_msix_enable', irq('msix', 'enable')],
  ['vfio_msix_disable', irq('msix', 'disable')],
  [
    'vfio_msix_vector_do_use',
    withDev(/^\((.+)\) vector (\d+) used$/, (dev, m) => {
      const vector = int(m[2]!);
      return vector === undefined ? undefined : { type: 'irq', src: 'vfio', dev, mode: 'msix', action: 'use', vector };
    }),
  ],
  [
    'vfio_msix_vector_release',
    withDev(/^\((.+)\) vector (\d+) released$/, (dev, m) => {
      const vector = int(m[2]!);
      return vector === undefined ? undefined : { type: 'irq', src: 'vfio', dev, mode: 'msix', action: 'release', vector };
    }),
  ],
]);
