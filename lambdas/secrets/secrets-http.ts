import { actorOf, pathName } from '../flows/request-context';
import { ValidationError } from '../shared/errors';
import { parsePageQuery } from '../shared/http/pagination';
import { created, noContent, ok } from '../shared/http/responses';
import type { ApiRequest, Operation } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import type { SecretRef } from './secret-repository';
import { secretView, type SecretService } from './secret-service';
import { createSecretBody, listSecretsQuery, putSecretBody, revealSecretBody, secretScopeQuery } from './schemas';

function refFromQuery(request: ApiRequest): SecretRef {
  const { environment } = parseWith(secretScopeQuery, request.query);
  return { secret_name: pathName(request, 'secret_name'), environment: environment ?? null };
}

/** Secrets: values go in through POST/PUT and come out only through reveal. */
export function secretOperations(secrets: SecretService): Record<string, Operation> {
  return {
    listSecrets: async (request) => {
      const { environment } = parseWith(listSecretsQuery, request.query);
      const page = await secrets.list(actorOf(request).org_id, environment, parsePageQuery(request.query));
      return ok({ items: page.items.map(secretView), next_cursor: page.next_cursor });
    },

    createSecret: async (request) => {
      const body = parseWith(createSecretBody, request.body);
      const ref = { secret_name: body.secret_name, environment: body.environment ?? null };
      return created(secretView(await secrets.create(actorOf(request), ref, body.value)));
    },

    getSecret: async (request) => {
      const ref = refFromQuery(request);
      return ok(secretView(await secrets.get(actorOf(request).org_id, ref)));
    },

    putSecret: async (request) => {
      const name = pathName(request, 'secret_name');
      const body = parseWith(putSecretBody, request.body);
      const result = await secrets.put(actorOf(request), { secret_name: name, environment: body.environment ?? null }, body.value);
      return { status: result.created ? 201 : 200, body: secretView(result.secret) };
    },

    deleteSecret: async (request) => {
      await secrets.delete(actorOf(request), refFromQuery(request));
      return noContent();
    },

    revealSecret: async (request) => {
      const body = parseWith(revealSecretBody, request.body);
      const fromQuery = refFromQuery(request);
      const bodyEnv = body?.environment ?? null;
      if (bodyEnv !== null && fromQuery.environment !== null && bodyEnv !== fromQuery.environment) {
        throw new ValidationError([{ path: 'environment', message: 'differs between the body and the query' }]);
      }
      const ref = { secret_name: fromQuery.secret_name, environment: bodyEnv ?? fromQuery.environment };
      const { secret, value } = await secrets.reveal(actorOf(request), ref);
      return { status: 200, body: { ...secretView(secret), value }, headers: { 'cache-control': 'no-store' } };
    },
  };
}
