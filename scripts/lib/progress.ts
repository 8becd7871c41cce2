/** @module A one-line progress bar for long scripts (stderr, so stdout stays parseable). */
export function progress(label: string, total: number) {
  let n = 0;
  const t0 = performance.now();
  let last = 0;
  const draw = (): void => {
    const s = (performance.now() - t0) / 1000;
    const eta = n > 0 ? (s / n) * (total - n) : 0;
    process.stderr.write(`\r[pinface] ${label} ${n}/${total} ${((100 * n) / total).toFixed(0)}% ${s.toFixed(0)}s eta ${eta.toFixed(0)}s   `);
  };
  return {
    tick(): void {
      n++;
      const now = performance.now();
      if (now - last > 500 || n === total) { last = now; draw(); }
    },
    done(): void { draw(); process.stderr.write('\n'); },
  };
}
