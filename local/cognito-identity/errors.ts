/**
 * The Cognito Identity errors the local identity pool answers, in the JSON protocol's shape, so each
 * operation words a refusal the way Cognito does.
 */
import { AwsJsonError } from '../core/aws-json';

export const tooManyRequests = (message: string) => new AwsJsonError('TooManyRequestsException', message);
export const notAuthorized = (message: string) => new AwsJsonError('NotAuthorizedException', message);
export const invalidParameter = (message: string) => new AwsJsonError('InvalidParameterException', message);
export const validation = (message: string) => new AwsJsonError('ValidationException', message);
