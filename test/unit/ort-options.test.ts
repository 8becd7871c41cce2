import { describe, expect, it } from 'vitest';
import { optimizationLevel, sessionOptions } from '../../eval/grad/ort-options.ts';

describe('the lab\'s onnxruntime session options', () => {
  it('stop at extended unless told otherwise', () => {
    expect(optimizationLevel(undefined)).toBe('extended');
    expect(optimizationLevel('')).toBe('extended');
    expect(optimizationLevel('all')).toBe('all');
    expect(sessionOptions(2, 'basic')).toEqual({ intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'basic' });
  });
  it('refuse a level onnxruntime does not have, saying which it has', () => {
    expect(() => optimizationLevel('max')).toThrow(/one of disabled, basic, extended, all, got max/);
  });
});
