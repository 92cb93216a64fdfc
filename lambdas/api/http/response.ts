import type { APIGatewayProxyResult } from 'aws-lambda';

// Responses carry presigned URLs and file listings: no cache may keep them.
export const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...COMMON_HEADERS },
    body: JSON.stringify(body),
  };
}

export function noContent(): APIGatewayProxyResult {
  return { statusCode: 204, headers: { ...COMMON_HEADERS }, body: '' };
}
