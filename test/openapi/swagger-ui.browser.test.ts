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
    await page.locator('.auth-container input[type=text]').fill(token);
    await page.getByRole('button', { name: 'Apply credentials' }).click();
    await page.getByRole('button', { name: 'Close' }).click();

    const listUsers = page.locator('#operations-Users-listUsers');
    await listUsers.locator('.opblock-summary').click();
    await listUsers.getByRole('button', { name: 'Try it out' }).click();
    await listUsers.getByRole('button', { name: 'Execute' }).click();
    const usersResponse = listUsers.locator('.live-responses-table .response');
    await expect.poll(() => usersResponse.locator('.response-col_status').first().innerText()).toBe('200');
    const users = JSON.parse(await usersResponse.locator('.response-col_description pre').first().innerText()) as { users: { username: string }[] };
    expect(users.users.map((u) => u.username)).toContain(ADMIN.username);
    await page.close();
  }, 60_000);
});
