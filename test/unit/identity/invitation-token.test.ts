import { invitationTokenTarget, newInvitationToken } from '../../../lambdas/identity/invitation-token';

const ORG = '0190f3a2-7b4c-7d1e-8f00-123456789abc';
const INV = 'inv_abcd2345wxyz';

describe('invitation tokens', () => {
  it('carry the organization and invitation they name, then 256 random bits', () => {
    const token = newInvitationToken(ORG, INV);
    expect(token).toMatch(/^dagy_inv_0190f3a27b4c7d1e8f00123456789abcabcd2345wxyz[A-Za-z0-9_-]{43}$/);
    expect(invitationTokenTarget(token)).toEqual({ org_id: ORG, invitation_id: INV });
    expect(newInvitationToken(ORG, INV)).not.toBe(token);
  });

  it('names nothing when malformed', () => {
    const token = newInvitationToken(ORG, INV);
    for (const bad of [token.slice(0, -1), `${token}x`, token.replace('dagy_inv_', 'dagy_at_'), '', 'dagy_inv_', `${token.slice(0, -1)}!`]) {
      expect(invitationTokenTarget(bad)).toBeNull();
    }
  });

  it('refuses ids it could not carry', () => {
    expect(() => newInvitationToken('not-a-uuid', INV)).toThrow();
    expect(() => newInvitationToken(ORG, 'inv_short')).toThrow();
  });
});
