import type { ErrorCode, WardlineError } from '../../common/contract.js';

/** Thrown by core handlers for failures the person should see; anything else becomes `internal`. */
export class WardlineFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAt?: number,
  ) {
    super(message);
    this.name = 'WardlineFailure';
  }

  toError(): WardlineError {
    return this.retryAt === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAt: this.retryAt };
  }
}
