/** Horizontal sum of an f32x4 (lanes added pairwise, so the order is fixed and results are reproducible). */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}
