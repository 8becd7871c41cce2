/** @module pinface: public API. No runtime globals here; see ./runtime/* for adapters. */
export { createApp, type AppOptions } from './app.ts';
export { PinfaceError, isPinfaceError, type ErrorCode, type ProblemDetails } from './errors.ts';
export { defaultLimits, defaultDetectorOptions, resolveConfig, type PinfaceConfig, type Limits, type DetectorOptions } from './config.ts';
export type { Assets, AssetsInput, ModelBytes } from './runtime/assets.ts';
export type { Decision } from './pipeline/decide.ts';
