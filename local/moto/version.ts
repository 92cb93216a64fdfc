/**
 * The one moto version the local stack supports. `launcher.py` patches moto's private internals
 * (the token-signing key, the JWKS, DynamoDB's transaction rollback), so it is pinned exactly:
 * `version.txt` holds it, and the launcher, this module and `.ci/run` all read it from there.
 */
import { readFileSync } from 'node:fs';

export const MOTO_VERSION = readFileSync(new URL('./version.txt', import.meta.url), 'utf8').trim();

export const MOTO_INSTALL_HINT = `pip install "moto[server]==${MOTO_VERSION}"`;
