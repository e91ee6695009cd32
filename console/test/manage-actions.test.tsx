import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { ActionDialog } from '../src/admin/action-dialog';
import { mayRevokeInvitation, memberOffers, ownersIn, secretPath, toggleBody } from '../src/admin/manage-rules';
import { ApiError } from '../src/api/client';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe('member offers', () => {
  const me = (role: 'viewer' | 'developer' | 'admin' | 'owner' | null) => ({ user_id: 'u_me', role });

  it('offers nothing to roles without members:manage', () => {
    expect(memberOffers({ user_id: 'u_1', role: 'viewer' }, me('developer'), 1)).toEqual({ remove: false, roles: [] });
    expect(memberOffers({ user_id: 'u_1', role: 'viewer' }, me(null), 1)).toEqual({ remove: false, roles: [] });
  });

  it('lets an admin change members up to admin and grant roles up to admin, never an owner', () => {
    expect(memberOffers({ user_id: 'u_1', role: 'developer' }, me('admin'), 1)).toEqual({ remove: true, roles: ['viewer', 'admin'] });
    expect(memberOffers({ user_id: 'u_2', role: 'owner' }, me('admin'), 2)).toEqual({ remove: false, roles: [] });
  });

  it('never offers removing or demoting the last owner, themselves included', () => {
    expect(memberOffers({ user_id: 'u_me', role: 'owner' }, me('owner'), 1)).toEqual({ remove: false, roles: [] });
    expect(memberOffers({ user_id: 'u_other', role: 'owner' }, me('owner'), 1)).toEqual({ remove: false, roles: [] });
    // With a second owner either may go or step down.
    expect(memberOffers({ user_id: 'u_me', role: 'owner' }, me('owner'), 2)).toEqual({ remove: true, roles: ['viewer', 'developer', 'admin'] });
  });

  it('counts owners and decides invitation revocation by rank', () => {
    expect(ownersIn([{ role: 'owner' }, { role: 'admin' }, { role: 'owner' }])).toBe(2);
    expect(mayRevokeInvitation('admin', 'admin')).toBe(true);
    expect(mayRevokeInvitation('owner', 'admin')).toBe(false);
    expect(mayRevokeInvitation('viewer', 'developer')).toBe(false);
    expect(mayRevokeInvitation('viewer', null)).toBe(false);
  });
});

describe('secret paths and toggles', () => {
  it('scopes a secret path by environment and encodes both', () => {
    expect(secretPath('DB_PASSWORD', null)).toBe('/v1/secrets/DB_PASSWORD');
    expect(secretPath('a/b', 'prod eu')).toBe('/v1/secrets/a%2Fb?environment=prod%20eu');
  });

  it('flips enabled and pins the version seen', () => {
    expect(toggleBody({ enabled: true, version: 3 })).toEqual({ enabled: false, version: 3 });
    expect(toggleBody({ enabled: false, version: 7 })).toEqual({ enabled: true, version: 7 });
  });
});

describe('action dialog', () => {
  let container: HTMLDivElement;
  let root: Root;
  beforeEach(() => {
    container = document.createElement('div');
    document.body.appendChild(container);
    root = createRoot(container);
  });
  afterEach(() => {
    act(() => root.unmount());
    container.remove();
  });

  const button = (name: string) => {
    const found = [...container.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent) === name);
    if (!found) throw new Error(`no button ${name}`);
    return found;
  };
  const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 0)));

  it('opens a labelled dialog, keeps the API error in it, and closes only on success', async () => {
    let attempt = 0;
    const confirmed: number[] = [];
    const onConfirm = () => {
      attempt += 1;
      if (attempt === 1) return Promise.reject(new ApiError(409, 'last_owner', 'the organization needs an owner'));
      confirmed.push(attempt);
      return Promise.resolve();
    };
    act(() =>
      root.render(
        <ActionDialog opener="Delete…" openerLabel="Delete secret X" title="Delete secret X?" confirmLabel="Delete secret" danger onConfirm={onConfirm}>
          <p>gone for good</p>
        </ActionDialog>,
      ),
    );
    expect(container.querySelector('dialog')).toBeNull();
    act(() => button('Delete secret X').click());
    const dialog = container.querySelector('dialog')!;
    expect(dialog.hasAttribute('open')).toBe(true);
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)?.textContent).toBe('Delete secret X?');
    // Cancel is focused first: Enter on an opened dialog does not destroy anything.
    expect(document.activeElement?.textContent).toBe('Cancel');

    act(() => button('Delete secret').click());
    await settle();
    expect(container.querySelector('dialog [role="alert"]')?.textContent).toContain('the organization needs an owner');
    expect(container.querySelector('dialog')).not.toBeNull();

    act(() => button('Delete secret').click());
    await settle();
    expect(confirmed).toEqual([2]);
    expect(container.querySelector('dialog')).toBeNull();
  });

  it('closes on Cancel without calling the action, and forgets the last error', async () => {
    const onConfirm = jest.fn(() => Promise.reject(new ApiError(403, 'forbidden', 'not yours')));
    act(() => root.render(<ActionDialog opener="Revoke…" title="Revoke?" confirmLabel="Revoke key" onConfirm={onConfirm} />));
    act(() => button('Revoke…').click());
    act(() => button('Revoke key').click());
    await settle();
    expect(container.textContent).toContain('not yours');
    act(() => button('Cancel').click());
    expect(container.querySelector('dialog')).toBeNull();
    act(() => button('Revoke…').click());
    expect(container.textContent).not.toContain('not yours');
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});
