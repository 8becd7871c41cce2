/**
 * Fused dequantisation: stored basis values widened to f32x4 inside the hot loops, so the
 * basis stays in its compact form in memory and is read once per pass.
 */

/** 2^112: rebias a half's exponent (15) to a float's (127) by one multiply; also right for zero and subnormals. */
// @ts-ignore: decorator
@inline
const HALF_REBIAS: f32 = 5.192296858534828e33;

/** Four IEEE halves (the low 16 bits of each i32 lane, zero-extended) as f32x4. */
// @ts-ignore: decorator
@inline
export function halvesToF32(h: v128): v128 {
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16);
  const mag = f32x4.mul(i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13), f32x4.splat(HALF_REBIAS));
  return v128.or(mag, sign);
}
