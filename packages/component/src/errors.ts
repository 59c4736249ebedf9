import { WpackError, type ComponentErrorCode } from '@wpack/core';

/** A component binary that cannot be read: not a component, or malformed. */
export class ComponentError extends WpackError<ComponentErrorCode> {}
