import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A token from `POST /api/login` or `POST /oauth2/token`.',
  });
  registry.registerComponent('securitySchemes', 'basicAuth', {
    type: 'http',
    scheme: 'basic',
    description: "A user's username and password (accepted by `/tams` only).",
  });
  return registry;
}

/** The OpenAPI 3.1 document, generated from the zod schemas registered by the route tables. */
export function generateDocument(registry: OpenAPIRegistry, version: string) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Mediastore',
      version,
      description:
        'Media records addressed by PID (AMPLIfy Mediastore compatible) and a TAMS 8.2 store under `/tams`.\n\n' +
        'Log in with `POST /api/login`, then press **Authorize** and paste the token.',
    },
    servers: [{ url: '/' }],
  });
}

export type OpenApiDocument = ReturnType<typeof generateDocument>;
