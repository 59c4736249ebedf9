// What the build script (scripts/build-host-profiles.mjs) needs to know of the
// data it writes for this package: where each file goes and its format. Not
// part of the package's public index.
export { HOST_PROFILES_FORMAT, HOST_PROFILES_URL } from './host-profiles.js';
export { nestWitPackage, WASI_WIT_URL, WASI_WIT_VERSION } from './wit-source.js';
