/** The environments every new organization starts with; production cannot be deleted. */
export const DEFAULT_ENVIRONMENTS = [
  { env_name: 'dev', is_protected: false },
  { env_name: 'staging', is_protected: false },
  { env_name: 'production', is_protected: true },
] as const;

/** Environment items (seed fields; key org_id + env_name) written with a new organization. */
export function defaultEnvironmentItems(orgId: string, nowIso: string): Array<Record<string, unknown>> {
  return DEFAULT_ENVIRONMENTS.map((env) => ({
    org_id: orgId,
    env_name: env.env_name,
    default_executor: 'lambda',
    config_json: '{}',
    is_protected: env.is_protected,
    created_at: nowIso,
    updated_at: nowIso,
  }));
}
