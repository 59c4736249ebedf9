// Built into a real WebAssembly component by componentize-qjs (see ../../build-hello.mjs).
export function greet(name) {
  return `Hello, ${name}! (from a WebAssembly component, packed by wpack)`;
}
