import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/process.js';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const tmp = mkdtempSync(path.join(tmpdir(), 'ms-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function nginxAvailable(): boolean {
  if (existsSync('/usr/sbin/nginx')) return true;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error('REQUIRE_SERVICES=1 but nginx is missing (apt-get install nginx-light)');
  console.warn('SKIPPED nginx -t: nginx not installed (apt-get install nginx-light)');
  return false;
}

describe('deployment files', () => {
  it.runIf(nginxAvailable())('nginx.conf passes nginx -t (with a throwaway certificate and the api host mapped locally)', () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', path.join(tmp, 'privkey.pem'), '-out', path.join(tmp, 'fullchain.pem')], { stdio: 'ignore' });
    // Only what needs Docker changes: the certificate paths and the "api" service name.
    const conf = read('nginx/nginx.conf').replaceAll('/etc/nginx/certs', tmp).replace('server api:8000', 'server 127.0.0.1:8000');
    writeFileSync(path.join(tmp, 'nginx.conf'), conf);
    const result = spawnSync('nginx', ['-t', '-c', path.join(tmp, 'nginx.conf'), '-p', tmp, '-g', `pid ${tmp}/nginx.pid;`], { encoding: 'utf8' });
    expect(result.stderr).toContain('test is successful');
    expect(result.status).toBe(0);
  });

  it('nginx streams bodies instead of buffering them', () => {
    const conf = read('nginx/nginx.conf');
    expect(conf).toMatch(/proxy_request_buffering off;/);
    expect(conf).toMatch(/proxy_buffering off;/);
    expect(conf).toMatch(/client_max_body_size 0;/);
  });

  it('compose.yaml runs the api with postgres, rabbitmq and an S3-compatible store', () => {
    const compose = parse(read('compose.yaml')) as { services: Record<string, { environment?: Record<string, string>; image?: string }> };
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['api', 'postgres', 'rabbitmq', 'minio']));
    expect(compose.services.api!.environment).toMatchObject({
      DATABASE_URL: expect.stringContaining('@postgres:5432/'),
      AMQP_URL: expect.stringContaining('@rabbitmq:5672'),
    });
  });

  it('compose-prod.yml runs api replicas behind nginx with shared secrets and S3 external', () => {
    const compose = parse(read('compose-prod.yml')) as {
      services: Record<string, { deploy?: { replicas: number }; environment?: Record<string, string>; volumes?: string[] }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'nginx', 'postgres', 'rabbitmq']);
    expect(compose.services.api!.deploy!.replicas).toBeGreaterThan(1);
    expect(Object.keys(compose.services.api!.environment!)).toEqual(expect.arrayContaining(['JWT_SECRET', 'SECRETS_KEY', 'DATABASE_URL', 'AMQP_URL']));
    expect(compose.services.nginx!.volumes).toContain('./nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('.env.example documents every variable the configuration reads', () => {
    const example = read('.env.example');
    const configSource = read('src/config.ts');
    const variables = [...configSource.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(variables.length).toBeGreaterThan(20);
    for (const name of variables) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});
