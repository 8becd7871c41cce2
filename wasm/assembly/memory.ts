/**
 * Bump allocator over the exported linear memory. The caller (src/wasm/kernel.ts) owns every
 * region: it allocates the basis once, and brackets per-call scratch with mark()/release().
 */
let top: usize = 0;

// @ts-ignore: decorator
@inline
function base(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** 16-byte aligned region of `bytes`, growing memory as needed; 0 when memory cannot grow. */
export function alloc(bytes: usize): usize {
  if (top == 0) top = base();
  const p = top;
  const end = (p + bytes + 15) & ~(<usize>15);
  const pages = <i32>((end + 0xffff) >>> 16) - memory.size();
  if (pages > 0 && memory.grow(pages) < 0) return 0;
  top = end;
  return p;
}

/** Current allocation top, to release() back to after scratch work. */
export function mark(): usize {
  if (top == 0) top = base();
  return top;
}

export function release(to: usize): void {
  top = to;
}
