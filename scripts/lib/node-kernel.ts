/** @module Node-side kernel: the SIMD kernel compiled from wasm/build (npm run build:wasm). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initKernel, type Kernel } from '../../src/wasm/kernel.ts';
import { repoRoot } from './node-models.ts';

export const kernelPath = join(repoRoot, 'wasm', 'build', 'kernel.wasm');

export const nodeKernelModule = async (): Promise<WebAssembly.Module> => WebAssembly.compile(await readFile(kernelPath));

export const nodeKernel = async (): Promise<Kernel> => initKernel(await nodeKernelModule());
