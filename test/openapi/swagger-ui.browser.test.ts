import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestApp, type TestApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';

const enabled = chromiumAvailable();
let t: TestApp;
let browser: Browser;
beforeAll(async () => {
  if (!enabled) return;
  t = await createTestApp();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe.runIf(enabled)('Swagger UI in a real browser', () => {
  it('logs in with "Try it out", authorizes with the token, and calls an authenticated endpoint', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/api/docs/`);

    const login = page.locator('#operations-Auth-login');
    await login.locator('.opblock-summary').click();
    await login.getByRole('button', { name: 'Try it out' }).click();
    await login.locator('textarea.body-param__text').fill(JSON.stringify({ username: ADMIN.username, password: ADMIN.password }));
    await login.getByRole('button', { name: 'Execute' }).click();
    const loginResponse = login.locator('.live-responses-table .response');
    await expect.poll(() => loginResponse.locator('.response-col_status').first().innerText()).toBe('200');
    const body = await loginResponse.locator('.response-col_description pre').first().innerText();
    const token = (JSON.parse(body) as { token: string }).token;
    expect(token).toMatch(/^ey/);

    await page.locator('.auth-wrapper .authorize').click();
    // The dialog offers bearerAuth and (for /tams) basicAuth; the token goes to the first.
    const bearer = page.locator('.auth-container', { hasText: 'bearerAuth' });
    await bearer.locator('input[type=text]').fill(token);
    await bearer.getByRole('button', { name: 'Apply credentials' }).click();
    await page.getByRole('button', { name: 'Close' }).first().click();

    const listUsers = page.locator('#operations-Users-listUsers');
    await listUsers.locator('.opblock-summary').click();
    await listUsers.getByRole('button', { name: 'Try it out' }).click();
    await listUsers.getByRole('button', { name: 'Execute' }).click();
    const usersResponse = listUsers.locator('.live-responses-table .response');
    await expect.poll(() => usersResponse.locator('.response-col_status').first().innerText()).toBe('200');
    const users = JSON.parse(await usersResponse.locator('.response-col_description pre').first().innerText()) as { users: { username: string }[] };
    expect(users.users.map((u) => u.username)).toContain(ADMIN.username);

    // The TAMS operations are in their own view (one document of all would pass swagger-ui's
    // virtualisation threshold); the persisted bearer token works there too.
    await page.locator('.topbar select').selectOption({ label: 'TAMS 8.2' });
    const listFlows = page.locator('#operations-TAMS_Flows-GET_flows');
    await listFlows.locator('.opblock-summary').click();
    await listFlows.getByRole('button', { name: 'Try it out' }).click();
    await listFlows.getByRole('button', { name: 'Execute' }).click();
    const flowsResponse = listFlows.locator('.live-responses-table .response');
    await expect.poll(() => flowsResponse.locator('.response-col_status').first().innerText()).toBe('200');
    expect(JSON.parse(await flowsResponse.locator('.response-col_description pre').first().innerText())).toEqual([]);
    await page.close();
  }, 60_000);
});
