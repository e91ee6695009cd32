import { parsePageQuery } from '../shared/http/pagination';
import { noContent, ok } from '../shared/http/responses';
import type { ApiRequest, Operation } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import type { DeploymentRecord } from './deployment-repository';
import type { DeploymentService } from './deployment-service';
import { deploymentView } from './deployment-writes';
import { actorOf, etag, expectedVersion, pathName } from './request-context';
import { createDeploymentBody, deploymentVersionBody, listDeploymentsQuery, promoteDeploymentBody, updateDeploymentBody } from './schemas';

function withEtag(status: number, record: DeploymentRecord) {
  return { status, body: deploymentView(record), headers: { etag: etag(record.deployment_version) } };
}

/** The deployment_version a pause/resume/delete was based on (If-Match or body), if any. */
function expectedFromOptionalBody(request: ApiRequest): number | undefined {
  const body = parseWith(deploymentVersionBody, request.body);
  return expectedVersion(request, body?.deployment_version);
}

/** Deployments: CRUD, pause/resume, promotion. */
export function deploymentOperations(deployments: DeploymentService): Record<string, Operation> {
  return {
    createDeployment: async (request) => {
      const body = parseWith(createDeploymentBody, request.body);
      return withEtag(201, await deployments.create(actorOf(request), body));
    },

    listDeployments: async (request) => {
      const { flow_name, environment, status } = parseWith(listDeploymentsQuery, request.query);
      const filter = {
        ...(flow_name !== undefined ? { flow_name } : {}),
        ...(environment !== undefined ? { environment } : {}),
        ...(status !== undefined ? { status } : {}),
      };
      const page = await deployments.list(actorOf(request).org_id, filter, parsePageQuery(request.query));
      return ok({ items: page.items.map(deploymentView), next_cursor: page.next_cursor });
    },

    getDeployment: async (request) => withEtag(200, await deployments.get(actorOf(request).org_id, pathName(request, 'deployment_name'))),

    updateDeployment: async (request) => {
      const name = pathName(request, 'deployment_name');
      const { deployment_version, ...patch } = parseWith(updateDeploymentBody, request.body);
      const expected = expectedVersion(request, deployment_version);
      return withEtag(200, await deployments.update(actorOf(request), name, patch, expected));
    },

    deleteDeployment: async (request) => {
      const name = pathName(request, 'deployment_name');
      await deployments.delete(actorOf(request), name, expectedFromOptionalBody(request));
      return noContent();
    },

    pauseDeployment: async (request) => {
      const name = pathName(request, 'deployment_name');
      return withEtag(200, await deployments.setStatus(actorOf(request), name, 'PAUSED', expectedFromOptionalBody(request)));
    },

    resumeDeployment: async (request) => {
      const name = pathName(request, 'deployment_name');
      return withEtag(200, await deployments.setStatus(actorOf(request), name, 'ACTIVE', expectedFromOptionalBody(request)));
    },

    promoteDeployment: async (request) => {
      const name = pathName(request, 'deployment_name');
      const body = parseWith(promoteDeploymentBody, request.body);
      const expected = expectedVersion(request, body.deployment_version);
      const result = await deployments.promote(actorOf(request), name, body.to_environment, expected);
      return withEtag(result.created ? 201 : 200, result.deployment);
    },
  };
}
