import type { AccessLogRecord } from '../../shared/http/access-log';
import type { Page, PageRequest } from '../../shared/http/pagination';
import type { OrgPrincipal } from '../../shared/http/types';
import type { IdentityStore } from '../repositories/identity-store';

/** The organization's access log (written by the HTTP stack), newest first. */
export class AccessLogService {
  constructor(private readonly store: IdentityStore) {}

  list(principal: OrgPrincipal, page: PageRequest): Promise<Page<AccessLogRecord>> {
    return this.store.accessLogs.listNewestFirst(principal.org_id, page);
  }
}
