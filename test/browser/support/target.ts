import { inject } from 'vitest';

export interface ConsoleTarget {
  /** `http://localhost:{port}/`: the origin the stack's CORS allows. */
  readonly consoleUrl: string;
  readonly consolePort: number;
  readonly apiUrl: string;
  readonly s3Endpoint: string;
  readonly userPool: { readonly endpoint: string; readonly clientId: string };
  readonly users: readonly { readonly username: string; readonly password: string }[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    consoleTarget: ConsoleTarget;
  }
}

export function consoleTarget(): ConsoleTarget {
  return inject('consoleTarget');
}

export function demoUser(index: number, target = consoleTarget()): { username: string; password: string } {
  const user = target.users[index];
  if (!user) throw new Error(`demo user ${index} missing`);
  return user;
}
