import * as z from 'zod';

/** flow_name, flow_version, deployment_name, env_name, secret_name: safe in keys, paths and S3 keys. */
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
const NAME_MESSAGE = 'must be 1-128 characters of A-Z a-z 0-9 _ . -';

export const resourceName = () => z.string().regex(RESOURCE_NAME_PATTERN, NAME_MESSAGE);

/** Slash-separated segments of name characters, e.g. data/ingestion. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
export const DEFAULT_NAMESPACE = 'default';
export const namespaceSchema = z
  .string()
  .max(256, 'must be at most 256 characters')
  .regex(NAMESPACE_PATTERN, 'must be segments of A-Z a-z 0-9 _ . - separated by /');

/** Tag keys exclude ':' so that a `tag=key:value` filter splits unambiguously. */
export const TAG_KEY_PATTERN = /^[A-Za-z0-9_.\/+=@ -]{1,128}$/;
export const MAX_TAGS = 50;
export const tagsSchema = z
  .record(z.string().regex(TAG_KEY_PATTERN, 'tag keys are 1-128 characters of A-Z a-z 0-9 _ . / + = @ - and space'), z.string().max(256, 'tag values are at most 256 characters'))
  .refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`);

/** Where a whole run executes (a run's executor; tasks pick lambda or ecs inside step-functions). */
export const RUN_EXECUTORS = ['lambda', 'step-functions', 'ecs'] as const;
export type RunExecutor = (typeof RUN_EXECUTORS)[number];
export const runExecutorSchema = z.enum(RUN_EXECUTORS);

/** Checks a path parameter against the name pattern (400 with the parameter as path otherwise). */
export function isResourceName(value: string | undefined): value is string {
  return value !== undefined && RESOURCE_NAME_PATTERN.test(value);
}
