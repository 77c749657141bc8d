import type { Config } from '../config.js';
import { forbidden } from '../http/errors.js';
import { defineRoute, type RouteDef } from '../http/routes.js';
import { loginRateLimit } from './login-rate-limit.js';
import {
  ChangeOwnPasswordBody,
  CreateUserBody,
  ListQuery,
  LoginBody,
  LoginResponse,
  UpdateUserBody,
  UserList,
  UsernameParams,
  UserView,
} from './users.schemas.js';
import type { UsersService } from './users.service.js';

const tags = ['Users'];

export function usersRoutes(users: UsersService, config: Config): RouteDef[] {
  return [
    // method  path                    operation        access   input → handler
    defineRoute({
      method: 'post', path: '/login', operationId: 'login', access: 'public', tags: ['Auth'],
      summary: 'Exchange username and password for a bearer token',
      description: 'JSON or form body. Failed attempts are rate-limited per address and username (429).',
      body: LoginBody, bodyTypes: ['json', 'form'],
      before: [loginRateLimit(config.loginRateLimit.max, config.loginRateLimit.windowSeconds)],
      responses: { 200: { description: 'A JWT for `Authorization: Bearer`', schema: LoginResponse }, 401: { description: 'Wrong credentials' }, 429: { description: 'Too many failed attempts' } },
      handler: async ({ body }) => ({ token: await users.login(body.username, body.password) }),
    }),
    defineRoute({
      method: 'get', path: '/users', operationId: 'listUsers', access: 'admin', tags,
      summary: 'List users (paginated by username)', query: ListQuery,
      responses: { 200: { description: 'Users', schema: UserList } },
      handler: ({ query }) => users.list(query.cursor, query.limit),
    }),
    defineRoute({
      method: 'post', path: '/users', operationId: 'createUser', access: 'admin', tags,
      summary: 'Create a user', body: CreateUserBody, status: 201,
      responses: { 201: { description: 'Created', schema: UserView }, 409: { description: 'Username taken' } },
      handler: ({ body, principal }) => users.create(principal.name, body),
    }),
    defineRoute({
      method: 'post', path: '/users/me/password', operationId: 'changeOwnPassword', access: 'user', tags,
      summary: 'Change your own password', body: ChangeOwnPasswordBody,
      responses: { 204: { description: 'Changed' }, 401: { description: 'Current password wrong' } },
      handler: async ({ body, principal }) => {
        if (principal.kind !== 'user') throw forbidden('only users have passwords');
        await users.changeOwnPassword(principal.name, body.current_password, body.new_password);
      },
    }),
    defineRoute({
      method: 'get', path: '/users/:username', operationId: 'getUser', access: 'admin', tags,
      summary: 'Get a user', params: UsernameParams,
      responses: { 200: { description: 'The user', schema: UserView }, 404: { description: 'No such user' } },
      handler: ({ params }) => users.get(params.username),
    }),
    defineRoute({
      method: 'patch', path: '/users/:username', operationId: 'updateUser', access: 'admin', tags,
      summary: 'Change password, role or disabled flag', params: UsernameParams, body: UpdateUserBody,
      responses: { 200: { description: 'The updated user', schema: UserView }, 404: { description: 'No such user' }, 409: { description: 'Would leave no active administrator' } },
      handler: ({ params, body, principal }) => users.update(principal.name, params.username, body),
    }),
    defineRoute({
      method: 'delete', path: '/users/:username', operationId: 'deleteUser', access: 'admin', tags,
      summary: 'Delete a user', params: UsernameParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such user' }, 409: { description: 'Would leave no active administrator' } },
      handler: ({ params, principal }) => users.remove(principal.name, params.username),
    }),
  ];
}
