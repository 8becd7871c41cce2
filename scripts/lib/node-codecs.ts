/** @module Node-side codec modules for scripts and tests: compiled from the same files the Workers build imports. */
import { readFile } from 'node:fs/promises';
import { assetUrls } from '../../src/runtime/files.ts';
import type { CodecModules } from '../../src/wasm/codecs.ts';

const compile = async (url: URL): Promise<WebAssembly.Module> => WebAssembly.compile(await readFile(url));

export const nodeCodecModules = async (): Promise<CodecModules> => ({
  jpeg: await compile(assetUrls.jpeg),
  png: await compile(assetUrls.png),
  webp: await compile(assetUrls.webp),
});
