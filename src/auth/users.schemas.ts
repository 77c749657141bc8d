import { z } from 'zod';

export const Username = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.@-]+$/, 'letters, digits and _ . @ - only')
  .meta({ example: 'alice' });

const Password = z.string().min(8, 'at least 8 characters').max(1024);

export const UserView = z
  .object({
    username: z.string(),
    is_admin: z.boolean(),
    disabled: z.boolean(),
    created: z.iso.datetime(),
    updated: z.iso.datetime(),
  })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserView>;

export const UserList = z.object({ users: z.array(UserView), next_cursor: z.string().nullable() }).meta({ id: 'UserList' });

export const CreateUserBody = z
  .strictObject({ username: Username, password: Password, is_admin: z.boolean().default(false) })
  .meta({ id: 'CreateUser' });

export const UpdateUserBody = z
  .strictObject({ password: Password.optional(), is_admin: z.boolean().optional(), disabled: z.boolean().optional() })
  .meta({ id: 'UpdateUser' });

export const ChangeOwnPasswordBody = z
  .strictObject({ current_password: z.string().max(1024), new_password: Password })
  .meta({ id: 'ChangeOwnPassword' });

export const UsernameParams = z.object({ username: Username });

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(256).optional(),
});

export const LoginBody = z
  .object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) })
  .meta({ id: 'Login' });
export const LoginResponse = z.object({ token: z.string() }).meta({ id: 'LoginToken' });
