/** An MI failure of fraud_detection with OpenSIPS's code and text. */
export class FraudMiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'FraudMiError';
  }
}
