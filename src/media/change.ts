import type { Principal } from '../auth/principal.js';

/** Who makes a change and why: recorded in history rows and events. */
export interface Change {
  actor: string;
  reason: string | null;
}

export const changeBy = (principal: Principal, headers: { 'x-change-reason'?: string | undefined }): Change => ({
  actor: principal.name,
  reason: headers['x-change-reason']?.trim() || null,
});
