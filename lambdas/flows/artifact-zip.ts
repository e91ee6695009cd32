import { unzipSync } from 'fflate';
import type { NormalizedFlowSpec } from '../engine';
import { parseHandler } from '../engine';
import type { ErrorDetail } from '../shared/errors';

const normalizeEntry = (name: string) => name.replace(/^(?:\.\/)+/, '');

/**
 * The file names in a ZIP archive, read from its central directory without inflating anything
 * (a ZIP bomb costs nothing here); null when the bytes are not a ZIP archive.
 */
export function zipEntryNames(bytes: Uint8Array): Set<string> | null {
  const names = new Set<string>();
  try {
    unzipSync(bytes, {
      filter: (file) => {
        if (!file.name.endsWith('/')) names.add(normalizeEntry(file.name));
        return false;
      },
    });
  } catch {
    return null;
  }
  return names;
}

/** One issue per code task whose handler module is not a file of the artifact. */
export function missingHandlerModules(spec: NormalizedFlowSpec, entries: Set<string>, pathPrefix = 'flow_spec'): ErrorDetail[] {
  const issues: ErrorDetail[] = [];
  spec.tasks.forEach((task, i) => {
    if (task.type !== 'code') return;
    const ref = parseHandler(task.handler);
    if (ref === null) return; // the spec's validation already reported it
    if (!entries.has(normalizeEntry(ref.module))) {
      issues.push({ path: `${pathPrefix}.tasks[${i}].handler`, message: `module '${ref.module}' is not in the artifact` });
    }
  });
  return issues;
}

export function hasCodeTasks(spec: NormalizedFlowSpec): boolean {
  return spec.tasks.some((task) => task.type === 'code');
}
