import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'ms-config-'));

describe('configuration from the environment', () => {
  it('needs nothing: defaults, and secrets generated once and kept 0600', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.port).toBe(8000);
    expect(first.host).toBe('0.0.0.0');
    expect(first.databaseUrl).toBeUndefined();
    expect(first.publicUrl).toBe('http://localhost:8000');
    expect(first.filesystemStoreRoot).toBe(path.join(dir, 'stores'));
    expect(first.secretsKey).toHaveLength(32);
    expect(statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const again = loadConfig({ DATA_DIR: dir });
    expect(again.jwtSecret).toBe(first.jwtSecret);
    expect(again.secretsKey.equals(first.secretsKey)).toBe(true);
  });

  it('reads TRUST_PROXY as Express needs it: a hop count as a number, true/false, or addresses', () => {
    const dir = dataDir();
    expect(loadConfig({ DATA_DIR: dir }).trustProxy).toBeUndefined();
    expect(loadConfig({ DATA_DIR: dir, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ DATA_DIR: dir, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ DATA_DIR: dir, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it.each([
    [{ PORT: 'eighty' }, /^invalid configuration: PORT must be an integer/],
    [{ DATABASE_URL: 'not a url' }, /^invalid configuration: DATABASE_URL must be a postgres:\/\/ URL$/],
    [{ JWT_SECRET: 'short' }, /^invalid configuration: JWT_SECRET must be at least 32 characters$/],
    [{ SECRETS_KEY: 'abc' }, /^invalid configuration: SECRETS_KEY must be 64 hex characters/],
    [{ LOG_LEVEL: 'loud' }, /^invalid configuration: LOG_LEVEL /],
    [{ JSON_BODY_LIMIT: 'lots' }, /^invalid configuration: JSON_BODY_LIMIT must be a size/],
    [{ SERVICEUSER_USERNAME: 'svc' }, /SERVICEUSER_USERNAME and SERVICEUSER_PASSWORD must be set together/],
  ])('refuses %o with one line naming the variable', (env, message) => {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dataDir(), ...env });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reads sizes and lists', () => {
    const c = loadConfig({ DATA_DIR: dataDir(), JSON_BODY_LIMIT: '2mb', CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(c.jsonBodyLimit).toBe(2 * 1024 * 1024);
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});
