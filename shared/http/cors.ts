/**
 * The API's CORS rules, in one place for the three front doors that answer them: API Gateway's
 * preflight and error responses (`lib/`), the function's own responses (`lambdas/`) and the local
 * API adapter (`local/`). A header allowed in one and not another breaks browsers in one of them.
 */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Correlation-Id'];
export const CORS_EXPOSED_HEADERS = ['Retry-After', 'X-Correlation-Id'];
export const CORS_ALLOWED_METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS'];
export const CORS_MAX_AGE_SECONDS = 3600;
