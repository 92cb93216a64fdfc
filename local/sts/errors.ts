/** The errors the local STS answers, with the codes and wording STS uses. */

/** An STS error: `<ErrorResponse><Error><Type/><Code/><Message/></Error>...`. */
export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const validationError = (message: string) => new StsError('ValidationError', message);
export const invalidParameterValue = (message: string) => new StsError('InvalidParameterValue', message);
export const invalidToken = (message: string) => new StsError('InvalidIdentityToken', message);
export const accessDenied = () =>
  new StsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
