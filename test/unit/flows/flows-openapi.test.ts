import { ROUTES } from '../../../lambdas/catalogue/routes';
import { buildOpenApiDocument } from '../../../lambdas/platform/openapi';
import { FLOWS_SCHEMAS } from '../../../lambdas/flows/schemas';
import { SECRETS_SCHEMAS } from '../../../lambdas/secrets/schemas';

describe('flows and secrets in the OpenAPI document', () => {
  const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, any>> };

  it('has a schema entry for every flows and secrets operation, and an operation for every schema entry', () => {
    const ops = (domain: string) => ROUTES.filter((r) => r.domain === domain).map((r) => r.operation).sort();
    expect(ops('flows')).toEqual(Object.keys(FLOWS_SCHEMAS).sort());
    expect(ops('secrets')).toEqual(Object.keys(SECRETS_SCHEMAS).sort());
  });

  it('documents the registration body with the FlowSpec and strict fields', () => {
    const body = doc.paths['/v1/flows']!.post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['flow_name', 'flow_version', 'flow_spec']));
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.flow_spec.properties.tasks.type).toBe('array');
    expect(body.properties.flow_name.pattern).toBe('^[A-Za-z0-9_.-]{1,128}$');
  });

  it('documents query parameters and never a secret value in a secret response', () => {
    const list = doc.paths['/v1/flows']!.get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(expect.arrayContaining(['namespace', 'tag', 'limit', 'cursor']));
    const secret = doc.paths['/v1/secrets/{secret_name}']!.get.responses['200'].content['application/json'].schema;
    expect(Object.keys(secret.properties)).not.toContain('value');
    const reveal = doc.paths['/v1/secrets/{secret_name}/reveal']!.post.responses['200'].content['application/json'].schema;
    expect(Object.keys(reveal.properties)).toContain('value');
  });
});
