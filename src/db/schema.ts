// Every table of the service, one module per capability; drizzle-kit generates migrations from this.
export * from '../auth/auth.tables.js';
export * from '../events/outbox.tables.js';
