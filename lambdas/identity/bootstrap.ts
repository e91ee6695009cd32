import { DagyError } from '../shared/errors';
import { parseWith } from '../shared/http/validation';
import { signupBody } from './schemas';
import type { AuthService } from './services/auth-service';

/**
 * The one-time bootstrap of a platform whose signup is off: an operator with lambda:InvokeFunction
 * on the identity function (AWS credentials, not an API key) invokes it directly with
 * `{"dagy_bootstrap": {email, password, name, org_name}}` (`dagy admin bootstrap` does). API
 * Gateway never sends this shape, so the HTTP API cannot reach it.
 */
export interface BootstrapEvent {
  dagy_bootstrap: unknown;
}

export type BootstrapResult =
  | { ok: true; user_id: string; email: string; org_id: string; org_name: string }
  | { ok: false; error: { code: string; message: string; details: { path: string; message: string }[] } };

export function isBootstrapEvent(event: unknown): event is BootstrapEvent {
  return typeof event === 'object' && event !== null && Object.hasOwn(event, 'dagy_bootstrap');
}

export async function handleBootstrap(event: BootstrapEvent, auth: AuthService): Promise<BootstrapResult> {
  try {
    const input = parseWith(signupBody, event.dagy_bootstrap, 'dagy_bootstrap');
    const out = await auth.bootstrap(input);
    return { ok: true, user_id: out.user.user_id, email: out.user.email, org_id: out.organization.org_id, org_name: out.organization.name };
  } catch (error) {
    if (error instanceof DagyError) return { ok: false, error: { code: error.code, message: error.message, details: error.details } };
    throw error;
  }
}
