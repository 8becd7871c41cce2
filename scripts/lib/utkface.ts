/**
 * @module UTKFace's one split for the whole project: a held-out report part that no fit,
 * training or calibration sees, and a fit part for everything else. By a hash of the file name,
 * so it holds for any copy of the folder and does not move when images are added.
 */
import { createHash } from 'node:crypto';

/** One image in four is held out for reports. */
const REPORT_SHARE = 4;

export const utkPart = (file: string): 'fit' | 'report' =>
  createHash('sha256').update(`pinface-utk-split:${file}`).digest().readUInt32LE(0) % REPORT_SHARE === 0 ? 'report' : 'fit';
