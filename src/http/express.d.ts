import type { Principal } from '../auth/principal.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by the authentication middleware once the caller is known. */
      principal?: Principal;
    }
  }
}

export {};
