import type { SecretBox } from '../../crypto/secret-box.js';

/** The HKDF purpose of the key that seals webhook API keys (never used for anything else). */
export const API_KEY_PURPOSE = 'tams webhook api keys';

/**
 * Seals `api_key_value`s at rest. Bound to the webhook id, so a sealed value copied to another
 * webhook's row does not open there.
 */
export class ApiKeys {
  constructor(private readonly box: SecretBox) {}

  seal(webhookId: string, value: string): string {
    return this.box.seal(value, context(webhookId));
  }

  open(webhookId: string, sealed: string): string {
    return this.box.open(sealed, context(webhookId));
  }
}

const context = (webhookId: string) => `tams_webhooks ${webhookId} api_key_value`;
