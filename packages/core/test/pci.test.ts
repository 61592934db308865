import { describe, expect, it } from 'vitest';
import { canonicalDev } from '../src/index.js';

describe('canonicalDev', () => {
  it('writes a PCI address in full and in lower case, and leaves other names as they are', () => {
    expect(canonicalDev('0000:03:00.0')).toBe('0000:03:00.0');
    expect(canonicalDev('0000:0A:1F.7')).toBe('0000:0a:1f.7');
    expect(canonicalDev('03:00.0')).toBe('0000:03:00.0');
    expect(canonicalDev('0b:00.1')).toBe('0000:0b:00.1');
    expect(canonicalDev('0000:03:00.8')).toBe('0000:03:00.8'); // function 8 is no PCI address
    expect(canonicalDev('vfio-pci-GPU')).toBe('vfio-pci-GPU');
    expect(canonicalDev('')).toBe('');
  });
});
