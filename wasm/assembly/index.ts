/** The pinface kernel: exports only. Layout and calling contract: ../README.md. */
export { alloc, mark, release } from './memory';
export { center, coefficients, reconstruct } from './project';
export { matmulNT, transpose } from './matmul';
