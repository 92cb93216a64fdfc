/** `DescribeIdentityPool`: a pool's name, providers and guest access, as Cognito reports them. */
import type { Operation } from '../context';
import { poolById } from '../identities';
import { ID_PATTERN, requireString } from '../input';

export const describeIdentityPool: Operation = async (context, input) => {
  const pool = poolById(context, requireString(input, 'IdentityPoolId', ID_PATTERN));
  return {
    IdentityPoolId: pool.id,
    IdentityPoolName: pool.name,
    AllowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities,
    AllowClassicFlow: true,
    ...(pool.developerProviderName ? { DeveloperProviderName: pool.developerProviderName } : {}),
    CognitoIdentityProviders: pool.providers.map((provider) => ({
      ProviderName: provider.providerName,
      ClientId: provider.clientId,
      ServerSideTokenCheck: false,
    })),
  };
};
