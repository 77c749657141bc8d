import { defineRoute, reply, type RouteDef } from '../http/routes.js';
import { administers, writes } from '../media/access.js';
import { changeBy } from '../media/change.js';
import { ChangeHeaders } from '../media/common.schemas.js';
import { PidParams } from '../media/media.schemas.js';
import { AuditCreate, AuditParams, AuditView, VerifyReport } from './fixity.schemas.js';
import type { FixityService } from './fixity.service.js';

const tags = ['Fixity'];

export function fixityRoutes(fixity: FixityService): RouteDef[] {
  return [
    // method  path  operation  access  input → handler
    defineRoute({
      method: 'post', path: '/media/*pid/verify', operationId: 'verifyMedia', ...writes, tags,
      summary: 'Re-read the stored bytes and compare them with the record\'s size and checksums',
      description: 'The outcome is kept on the record (`fixity`). A mismatch, or an object missing from its store, marks the record `mismatch` with a history row and a `media.fixity_failed` event.',
      params: PidParams, headers: ChangeHeaders,
      responses: { 200: { description: 'match or mismatch', schema: VerifyReport }, 404: { description: 'No such record' }, 409: { description: 'The record is PENDING' }, 502: { description: 'The store could not be read' } },
      handler: ({ params, principal, headers }) => fixity.verify(changeBy(principal, headers), params.pid),
    }),
    defineRoute({
      method: 'post', path: '/fixity/audit', operationId: 'startFixityAudit', ...administers, tags,
      summary: 'Verify a selection of READY records in the background',
      description: 'Answers 202 with the audit; follow it with `GET /api/fixity/audit/{id}`. Progress is kept in the database, and an audit whose process stopped is resumed by another one.',
      body: AuditCreate, headers: ChangeHeaders,
      responses: { 202: { description: 'Started', schema: AuditView } },
      handler: async ({ body, principal, headers }) => reply(202, await fixity.startAudit(changeBy(principal, headers), body)),
    }),
    defineRoute({
      method: 'get', path: '/fixity/audit/:id', operationId: 'getFixityAudit', ...administers, tags,
      summary: 'Progress and outcome of a fixity audit', params: AuditParams,
      responses: { 200: { description: 'The audit', schema: AuditView }, 404: { description: 'No such audit' } },
      handler: ({ params }) => fixity.audit(params.id),
    }),
  ];
}
