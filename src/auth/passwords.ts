import { hash, verify } from '@node-rs/argon2';

// argon2id with the library's defaults (OWASP-recommended m=19 MiB, t=2, p=1).
export const hashPassword = (password: string): Promise<string> => hash(password);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash is a failed check, not a crash.
    return false;
  }
}

// Verifying against this when the account does not exist keeps response times alike, so
// timing does not reveal which usernames exist.
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hash('not-a-real-password');
  await verifyPassword(await dummyHash, password);
  return false;
}
