/**
 * Events as CSV (a header row; hex stays text) and as aligned, human-readable text columns:
 * time, device (or memory-region name), region, R/W, offset (or address), width, value, and
 * the register name and fields (or envytools' decoded value) when mmio-annotate added them.
 */
import { fieldsText, oneLine } from '@mmio-tools/core';
import { secondsText } from './time.js';

type Ev = Record<string, unknown> & { type: string };

export const CSV_COLUMNS = ['type', 'src', 'dev', 'region', 'name', 'offset', 'addr', 'width', 'value', 'reg', 'fields', 'decoded', 'repeat', 't', 'tid', 'line'] as const;

/**
 * One CSV cell. A number is written as it is (`-1.5` stays a number). Text that a spreadsheet would
 * take for a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage return — gets a `'`
 * in front and is quoted, as OWASP advises against CSV injection; other text is quoted when it holds
 * `"`, `,`, or a line end (RFC 4180).
 */
function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return String(v);
  const s = typeof v === 'object' ? fieldsText(v as Record<string, unknown>) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) return `"'${s.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export { fieldsText };

export const csvHeader = () => CSV_COLUMNS.join(',');

/** One CSV row of an access event (undefined for other events). */
export function csvRow(ev: Ev): string | undefined {
  if (ev.type !== 'read' && ev.type !== 'write') return undefined;
  return CSV_COLUMNS.map((c) => csvCell(ev[c])).join(',');
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padStart = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function timeText(t: unknown): string {
  return typeof t === 'number' ? secondsText(t) : '-';
}

/** One aligned text line of any event: one line, whatever its text holds (control characters escaped). */
export function textLine(ev: Ev): string {
  return oneLine(textColumns(ev));
}

function textColumns(ev: Ev): string {
  const t = padStart(timeText(ev.t), 17);
  if (ev.type === 'read' || ev.type === 'write') {
    // A memory-ops event without a name shows its MemoryRegion pointer, as mmio-regs does: two regions stay apart.
    const who = pad((ev.dev as string) ?? (ev.name as string) ?? (ev.mr as string) ?? '-', 12);
    const region = padStart(ev.region === undefined ? '-' : String(ev.region), 2);
    const where = pad((ev.offset as string) ?? (ev.addr as string), 10);
    const value = pad(ev.value as string, 10);
    const rep = ev.repeat !== undefined ? ` ×${ev.repeat}` : '';
    let s = `${t}  ${who}  ${region}  ${ev.type === 'read' ? 'R' : 'W'}  ${where}  ${ev.width}  ${value}`;
    if (ev.reg !== undefined) s += `  ${ev.reg}`;
    // envytools' decoded value as demmio shows it, else the fields.
    if (typeof ev.decoded === 'string') s += ` ${ev.type === 'read' ? '=>' : '<='} ${ev.decoded}`;
    else if (ev.fields !== undefined) s += ` {${fieldsText(ev.fields as Record<string, unknown>)}}`;
    return (s + rep).trimEnd();
  }
  switch (ev.type) {
    case 'mark':
      return `${t}  -- mark: ${ev.text}`;
    case 'lost':
      return `${t}  -- lost ${ev.count} events`;
    case 'device':
      return `${t}  -- device ${ev.dev} ${ev.vendor}:${ev.device}${ev.driver ? ' ' + ev.driver : ''}`;
    case 'map':
    case 'unmap':
      return `${t}  -- ${ev.type} ${ev.id}${ev.addr ? ' ' + ev.addr : ''}${ev.len ? ' +' + ev.len : ''}`;
    case 'event':
      return `${t}  -- ${ev.name} ${ev.args}`;
    case 'region':
      return `${t}  -- region ${ev.region} of ${ev.dev}: size ${ev.size}, flags ${ev.flags}`;
    case 'mmap': {
      const what = ev.region !== undefined ? `region ${ev.region} of ${ev.dev}` : `region "${ev.label}"`;
      const span = ev.start !== undefined ? ` [${ev.start}, ${ev.end})` : '';
      return `${t}  -- ${what}${span} ${ev.enabled ? 'mmapped: accesses NOT traced' : 'not mmapped: accesses traced'}`;
    }
    case 'reset':
      return `${t}  -- reset ${ev.dev} (${ev.how}${ev.result !== undefined ? ': ' + ev.result : ''})`;
    case 'irq': {
      const detail = ev.pin !== undefined ? ` pin ${ev.pin}` : ev.vector !== undefined ? ` vector ${ev.vector}` : ev.vectors !== undefined ? ` ${ev.vectors} vectors` : '';
      return `${t}  -- irq ${ev.dev} ${ev.mode} ${ev.action}${detail}`;
    }
    default:
      return `${t}  -- ${ev.type}`;
  }
}
