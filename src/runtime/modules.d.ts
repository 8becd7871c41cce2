// Module shapes wrangler's rules give binary imports (wrangler.toml [[rules]]).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.onnx' {
  const bytes: ArrayBuffer;
  export default bytes;
}
declare module '*.bin' {
  const bytes: ArrayBuffer;
  export default bytes;
}
