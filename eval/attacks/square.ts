/**
 * @module Square attack (Andriushchenko et al. 2020), l_inf, query-only: random square patches
 * of +-eps per channel, kept when they lower the loss. It needs nothing but a score, so it runs
 * against the real HTTP API (eval/attacks/http-target.ts) on the uploaded photo itself,
 * through decoding, detection, alignment and whatever defense the service applies.
 */

export interface SquareImage { width: number; height: number; channels: number; data: Float32Array }
/** A pixel rectangle, as the API reports face boxes. */
export interface Box { x: number; y: number; width: number; height: number }

/** A decoded RGBA image as the RGB floats the attack perturbs (alpha dropped: uploads are re-encoded opaque). */
export function photoFromRgba(img: { width: number; height: number; data: ArrayLike<number> }): SquareImage {
  const data = new Float32Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = img.data[i * 4 + c] as number;
  return { width: img.width, height: img.height, channels: 3, data };
}

export interface SquareOptions {
  eps: number;
  queries: number;
  /** Initial fraction of the image a square covers (the paper's p_init). */
  pInit?: number;
  rng: () => number;
  /** Stop early once the loss is below this (the decision has flipped). */
  stopBelow?: number;
  /**
   * Against a random defense one lucky draw can put the loss below stopBelow. With `confirm`, that
   * stop must be confirmed (say, by the majority of fresh draws; it costs `confirmQueries` of the
   * budget); when it is not, the attack re-measures its current image and goes on, where stopping
   * would have abandoned the pair on noise.
   */
  confirm?: (img: SquareImage) => Promise<boolean>;
  confirmQueries?: number;
  /**
   * Through a random defense the best single draw so far is soon a lucky low of the noise that later real gains
   * cannot beat. With `verify` k, a candidate whose loss beats the best is measured k more times and kept only if
   * the mean of its k + 1 measurements still beats it (the best, from the start on, is such a mean).
   */
  verify?: number;
  /** Queries one call of `loss` spends (a loss that averages draws spends several); the budget counts queries. */
  lossQueries?: number;
  /**
   * Perturb only this rectangle (pixels), e.g. the face box the API itself reports: the same
   * budget of squares then lands where the recognizer looks. Default: the whole image.
   */
  region?: Box;
}

/** `confirmed`: the attack stopped because `confirm` agreed the decision had flipped (that check is then the verdict). */
export interface SquareResult { image: SquareImage; loss: number; queries: number; history: number[]; confirmed: boolean }

/** The paper's schedule: p halves at fixed fractions of a 10,000-query budget, rescaled to ours. */
function pAt(pInit: number, i: number, budget: number): number {
  const it = Math.floor((i / budget) * 10000);
  const cuts = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  return pInit / 2 ** cuts.filter((c) => it > c).length;
}

const clip = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

export async function squareAttack(clean: SquareImage, loss: (img: SquareImage) => Promise<number>, o: SquareOptions): Promise<SquareResult> {
  const { width: W, height: H, channels: C } = clean;
  const pInit = o.pInit ?? 0.05, cost = o.lossQueries ?? 1, verify = o.verify ?? 0;
  const r = o.region;
  const rx = r ? Math.max(0, Math.floor(r.x)) : 0, ry = r ? Math.max(0, Math.floor(r.y)) : 0;
  const RW = r ? Math.min(W, Math.ceil(r.x + r.width)) - rx : W, RH = r ? Math.min(H, Math.ceil(r.y + r.height)) - ry : H;
  const x = clean.data.slice();
  // Vertical stripes of +-eps: the paper's initialisation.
  for (let xx = rx; xx < rx + RW; xx++) for (let c = 0; c < C; c++) {
    const s = o.rng() < 0.5 ? -o.eps : o.eps;
    for (let y = ry; y < ry + RH; y++) { const i = (y * W + xx) * C + c; x[i] = clip((clean.data[i] as number) + s, 0, 255); }
  }
  const img = (data: Float32Array): SquareImage => ({ width: W, height: H, channels: C, data });
  /**
   * A first measurement of `data`'s loss, made the mean of 1 + verify (concurrent, so a batching loss runs them at
   * once). Called only when verifying: an extra await would reorder the queries concurrent attacks batch together.
   */
  const verified = async (data: Float32Array, first: number): Promise<number> => {
    const more = await Promise.all(Array.from({ length: verify }, () => loss(img(data))));
    q += verify * cost;
    return more.reduce((a, b) => a + b, first) / (verify + 1);
  };
  let q = cost, confirmed = false;
  let best = await loss(img(x));
  if (verify) best = await verified(x, best);
  const history = [best];
  /** Whether the attack is done: the budget is spent, or the decision has flipped (confirmed when asked). */
  const finished = async (): Promise<boolean> => {
    if (q >= o.queries) return true;
    if (o.stopBelow === undefined || best >= o.stopBelow) return false;
    if (!o.confirm) return true;
    q += o.confirmQueries ?? 1;
    if (await o.confirm(img(x))) return (confirmed = true);
    best = await loss(img(x));
    q += cost;
    if (verify) best = await verified(x, best);
    return q >= o.queries;
  };
  while (!(await finished())) {
    const side = Math.max(1, Math.min(RW, RH, Math.round(Math.sqrt(pAt(pInit, q, o.queries) * RW * RH))));
    const x0 = rx + Math.floor(o.rng() * (RW - side + 1)), y0 = ry + Math.floor(o.rng() * (RH - side + 1));
    const cand = x.slice();
    for (let c = 0; c < C; c++) {
      const s = o.rng() < 0.5 ? -o.eps : o.eps;
      for (let y = y0; y < y0 + side; y++) for (let xx = x0; xx < x0 + side; xx++) {
        const i = (y * W + xx) * C + c;
        cand[i] = clip((clean.data[i] as number) + s, 0, 255);
      }
    }
    let l = await loss(img(cand));
    q += cost;
    if (verify && l < best) l = await verified(cand, l);
    if (l < best) { best = l; x.set(cand); }
    history.push(best);
  }
  return { image: img(x), loss: best, queries: q, history, confirmed };
}
