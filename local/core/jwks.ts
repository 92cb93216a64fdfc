/**
 * A JWKS cache for aws-jwt-verify that downloads over plain HTTP: aws-jwt-verify fetches over https
 * only, and moto serves its user pools' JWKS on loopback http.
 */
import { FetchError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

/** `locate` maps the URI the verifier asks for to where the keys really are (default: itself). */
export function loopbackJwksCache(locate: (uri: string) => string = (uri) => uri): SimpleJwksCache {
  return new SimpleJwksCache({
    fetcher: {
      fetch: async (uri: string) => {
        const response = await fetch(locate(uri), { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new FetchError(uri, `status ${response.status}`);
        return response.arrayBuffer();
      },
    },
  });
}
