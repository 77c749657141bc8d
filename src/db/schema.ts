// Every table of the service, one module per capability; drizzle-kit generates migrations from this.
export * from '../auth/auth.tables.js';
export * from '../events/outbox.tables.js';
export * from '../media/identifier-types.tables.js';
export * from '../media/s3-configs.tables.js';
export * from '../media/store-configs.tables.js';
export * from '../media/media.tables.js';
export * from '../media/history.tables.js';
export * from '../tams/service/service.tables.js';
export * from '../tams/profiles/profiles.tables.js';
export * from '../tams/sources/sources.tables.js';
export * from '../tams/flows/flows.tables.js';
export * from '../tams/webhooks/webhooks.tables.js';
export * from '../tams/segments/segments.tables.js';
export * from '../tams/deletion/delete-requests.tables.js';
export * from '../transfer/fixity.tables.js';
export * from '../tams/objects/instances.tables.js';
