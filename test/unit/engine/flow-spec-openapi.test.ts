import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// The flows API builds its OpenAPI document from flowSpecSchema. zod 4 attaches .openapi() when
// a schema is created, so the extension must run before the engine module loads.
describe('flowSpecSchema in OpenAPI', () => {
  it('generates a finite OpenAPI schema with the contract constraints', async () => {
    extendZodWithOpenApi(z);
    const { flowSpecSchema } = await import('../../../lambdas/engine');
    const registry = new OpenAPIRegistry();
    registry.register('FlowSpec', flowSpecSchema);
    const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: { title: 'test', version: '0' },
    });
    const schema = document.components?.schemas?.FlowSpec as Record<string, unknown>;
    const text = JSON.stringify(schema);
    expect(schema).toMatchObject({ type: 'object', required: ['tasks'], additionalProperties: false });
    expect(text).toContain('"enum":["all_success","all_done","one_success","one_failed","none_failed"]');
    expect(text).toContain('"retries":{"type":"integer","minimum":0,"maximum":10}');
  });
});
