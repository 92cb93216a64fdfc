/**
 * Validates API responses against `openapi.yaml` (OpenAPI 3.1 = JSON Schema 2020-12, via ajv), so
 * unit and e2e tests hold every response to the contract. Throws an Error that says which
 * operation, status and media type failed, and where in the body.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

const DEFAULT_SPEC = join(import.meta.dirname, '..', '..', 'openapi.yaml');
const SPEC_ID = 'urn:user-files-api:openapi';
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
/** Headers the API itself means something by: sent only where the response documents them. */
const CONTRACT_HEADERS = ['retry-after'];

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  $ref?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
}

export interface OpenApiValidator {
  /**
   * Throws unless `body` is what the contract documents for `method path` answering `status` with
   * `contentType` (`body` may be the raw JSON text or the parsed value; empty for no content), and,
   * when `headers` are given, unless each of the contract's own headers sent is documented there.
   */
  validateResponse(
    method: string,
    path: string,
    status: number,
    contentType: string | undefined,
    body: unknown,
    headers?: Record<string, unknown>,
  ): void;
}

/**
 * The spec's path a request path falls under: itself, or a template whose `{name}` is one segment
 * (the last one, like API Gateway's greedy `{key+}`, may span the rest).
 */
function templateOf(spec: Spec, path: string): string | undefined {
  if (spec.paths[path] !== undefined) return path;
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return Object.keys(spec.paths).find((template) => {
    const pattern = template
      .split('/')
      .map((segment, index, all) =>
        /^\{\w+\}$/.test(segment)
          ? index === all.length - 1
            ? '.+'
            : '[^/]+'
          : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    return template.includes('{') && new RegExp(`^${pattern}$`).test(trimmed);
  });
}

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

export function createOpenApiValidator(specPath = DEFAULT_SPEC): OpenApiValidator {
  const spec = parseYaml(readFileSync(specPath, 'utf8')) as Spec;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(spec as object, SPEC_ID);
  const compiled = new Map<string, ValidateFunction>();

  const fail = (where: string, message: string): never => {
    throw new Error(`Response does not match openapi.yaml (${where}): ${message}`);
  };

  return {
    validateResponse(method, path, status, contentType, body, headers = {}) {
      const pathOnly = path.split('?')[0] ?? path;
      const lowerMethod = method.toLowerCase();
      const where = `${method.toUpperCase()} ${pathOnly} -> ${status}`;
      const template = templateOf(spec, pathOnly);
      const pathItem = template === undefined ? undefined : spec.paths[template];
      if (pathItem === undefined) fail(where, `path ${pathOnly} is not in the spec`);
      const operation = METHODS.has(lowerMethod) ? pathItem?.[lowerMethod] : undefined;
      if (operation === undefined) return fail(where, `operation ${method.toUpperCase()} is not in the spec`);
      const responses = operation.responses ?? {};
      const statusKey = String(status);
      const responseKey = statusKey in responses ? statusKey : 'default' in responses ? 'default' : undefined;
      if (responseKey === undefined) return fail(where, `status ${status} is not documented`);
      let pointer = `#/paths/${escapePointer(template ?? pathOnly)}/${lowerMethod}/responses/${responseKey}`;
      let response = responses[responseKey] as ResponseObject;
      if (response.$ref !== undefined) {
        pointer = response.$ref;
        const name = response.$ref.split('/').pop() ?? '';
        response = (spec as unknown as { components: { responses: Record<string, ResponseObject> } })
          .components.responses[name] as ResponseObject;
      }
      const documented = Object.keys(response.headers ?? {}).map((name) => name.toLowerCase());
      for (const name of Object.keys(headers)) {
        const lower = name.toLowerCase();
        if (CONTRACT_HEADERS.includes(lower) && !documented.includes(lower)) {
          fail(where, `header ${name} is sent but not documented`);
        }
      }

      const isEmpty = body === undefined || body === null || body === '';
      if (response.content === undefined) {
        if (!isEmpty) fail(where, 'documented without content, but a body was sent');
        return;
      }
      const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
      if (mediaType === undefined || mediaType === '') return fail(where, 'no Content-Type');
      const media = response.content[mediaType];
      if (media === undefined) {
        return fail(
          where,
          `media type ${mediaType} is not documented (${Object.keys(response.content).join(', ')})`,
        );
      }
      if (media.schema === undefined) return;
      let value: unknown = body;
      if (typeof body === 'string') {
        try {
          value = JSON.parse(body);
        } catch {
          return fail(where, 'the body is not JSON');
        }
      }
      const schemaRef = `${SPEC_ID}${pointer}/content/${escapePointer(mediaType)}/schema`;
      let validate = compiled.get(schemaRef);
      if (validate === undefined) {
        validate = ajv.compile({ $ref: schemaRef });
        compiled.set(schemaRef, validate);
      }
      if (!validate(value)) {
        fail(
          where,
          `${ajv.errorsText(validate.errors, { dataVar: 'body' })}\nbody: ${JSON.stringify(value)}`,
        );
      }
    },
  };
}

let shared: OpenApiValidator | undefined;

/** `createOpenApiValidator()` on the repository's `openapi.yaml`, built on first use. */
export function validateResponse(
  method: string,
  path: string,
  status: number,
  contentType: string | undefined,
  body: unknown,
  headers?: Record<string, unknown>,
): void {
  shared ??= createOpenApiValidator();
  shared.validateResponse(method, path, status, contentType, body, headers);
}
