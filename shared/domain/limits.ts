/** Limits set by S3 itself, shared by the CDK construct's validation and the handler's. */

/** The largest object one presigned PUT can upload. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/** The largest object S3 stores (a multipart upload's most). */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;

/** A single full-object SHA-256 in base64 (composite multipart checksums carry a `-N` suffix). */
export const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
