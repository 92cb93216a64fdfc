/**
 * The Lambda entry point (API Gateway REST proxy events). Configuration, clients and caches are
 * created here once per instance, at init: a warm request does none of that work.
 */
import { createApp } from './app';
import { loadConfig } from './config';
import { createDeps } from './deps';

export const handler = createApp(createDeps(loadConfig(process.env)));
