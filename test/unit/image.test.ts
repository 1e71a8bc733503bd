import { describe, expect, it } from 'vitest';
import { parseLdd, snapshotTool } from '../../src/topology/image.js';

const lddEtcd = [
  '\tlinux-vdso.so.1 (0x00007ffd5a7e2000)',
  '\tlibresolv.so.2 => /lib/x86_64-linux-gnu/libresolv.so.2 (0x00007f0e8c1e0000)',
  '\tlibpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x00007f0e8c1db000)',
  '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0e8bfe8000)',
  '\t/lib64/ld-linux-x86-64.so.2 (0x00007f0e8c205000)',
  '',
].join('\n');

describe('parseLdd', () => {
  it('returns the resolved library paths and the loader, skipping the kernel-provided vDSO', () => {
    expect(parseLdd(lddEtcd)).toEqual([
      '/lib/x86_64-linux-gnu/libresolv.so.2',
      '/lib/x86_64-linux-gnu/libpthread.so.0',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });

  it('returns only absolute paths', () => {
    for (const path of parseLdd(lddEtcd)) expect(path.startsWith('/')).toBe(true);
  });

  it('handles an arm64 loader and lines without leading whitespace', () => {
    const out = 'linux-vdso.so.1 (0x0000ffff8a1d0000)\nlibc.so.6 => /lib/aarch64-linux-gnu/libc.so.6 (0x0000ffff89fe0000)\n/lib/ld-linux-aarch64.so.1 (0x0000ffff8a193000)\n';
    expect(parseLdd(out)).toEqual(['/lib/aarch64-linux-gnu/libc.so.6', '/lib/ld-linux-aarch64.so.1']);
  });

  it('returns nothing for a statically linked binary', () => {
    expect(parseLdd('\tstatically linked\n')).toEqual([]);
  });

  it('returns nothing when the file is not a dynamic executable', () => {
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual([]);
  });

  it('returns nothing for empty output', () => {
    expect(parseLdd('')).toEqual([]);
  });
});

describe('snapshotTool', () => {
  it('uses etcdutl when the image has it', () => {
    expect(snapshotTool({ hasEtcdutl: true })).toBe('etcdutl');
  });

  it('falls back to etcdctl when the image has no etcdutl', () => {
    expect(snapshotTool({ hasEtcdutl: false })).toBe('etcdctl');
  });
});
