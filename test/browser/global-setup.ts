/**
 * One local stack and one console server for the whole browser project, in a child process (see
 * support/stack-process.ts for why), stopped afterwards. The console is built into a fresh
 * directory (never `.local/console`, which a running `npm start` serves) and listens on a free
 * port; the stack's CORS allows exactly its origin.
 */
import type { TestProject } from 'vitest/node';
import { startStackChild } from './support/stack-child';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { target, stop } = await startStackChild();
  project.provide('consoleTarget', target);
  return stop;
}
