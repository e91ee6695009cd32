import { parsePageQuery } from '../shared/http/pagination';
import { created, noContent, ok } from '../shared/http/responses';
import type { Operation } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import { environmentView, type EnvironmentService } from './environment-service';
import { actorOf, pathName } from './request-context';
import { createEnvironmentBody, pageQuery, updateEnvironmentBody } from './schemas';

/** Environments (reads for viewers, management for admins: the routes' permissions). */
export function environmentOperations(environments: EnvironmentService): Record<string, Operation> {
  return {
    listEnvironments: async (request) => {
      parseWith(pageQuery, request.query);
      return ok(await environments.list(actorOf(request).org_id, parsePageQuery(request.query)));
    },
    createEnvironment: async (request) => created(await environments.create(actorOf(request), parseWith(createEnvironmentBody, request.body))),
    getEnvironment: async (request) => ok(environmentView(await environments.get(actorOf(request).org_id, pathName(request, 'env_name')))),
    updateEnvironment: async (request) => {
      const name = pathName(request, 'env_name');
      return ok(await environments.update(actorOf(request), name, parseWith(updateEnvironmentBody, request.body)));
    },
    deleteEnvironment: async (request) => {
      await environments.delete(actorOf(request), pathName(request, 'env_name'));
      return noContent();
    },
  };
}
