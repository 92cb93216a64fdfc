import { inject } from 'vitest';

export interface ConsoleTarget {
  /** `http://localhost:{port}/`: the origin the stack's CORS allows. */
  readonly consoleUrl: string;
  readonly consolePort: number;
  readonly apiUrl: string;
  readonly s3Endpoint: string;
  readonly userPool: { readonly endpoint: string; readonly clientId: string };
  readonly users: readonly { readonly username: string; readonly password: string }[];
  /** The group both demo users are in (output `DemoGroup`). */
  readonly demoGroup: string;
  /**
   * The stack's user pool and admin keys (generated at its start), so a test can create a user of
   * its own (`freshUser` in console-helpers.ts). Never shown or logged.
   */
  readonly admin: {
    readonly region: string;
    readonly userPoolId: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
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
