/**
 * `path/module.js:exportName`: a relative module path inside the artifact (no leading slash, no
 * `..` segment, no backslash, so it cannot escape the unpacked ZIP) and a JS identifier.
 */
export const HANDLER_PATTERN = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|:))[^:\s\\]+\.(?:js|mjs|cjs):[A-Za-z_$][A-Za-z0-9_$]*$/;

export interface HandlerRef {
  /** Module path relative to the artifact root, e.g. `tasks/extract.js`. */
  module: string;
  /** Name of the exported async function, e.g. `run`. */
  exportName: string;
}

/** Splits a task handler into module and export; null if it is not a valid handler. */
export function parseHandler(handler: string): HandlerRef | null {
  if (!HANDLER_PATTERN.test(handler)) return null;
  const colon = handler.lastIndexOf(':');
  return { module: handler.slice(0, colon), exportName: handler.slice(colon + 1) };
}
