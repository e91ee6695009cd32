/**
 * An outbound request the egress guard would not make (or stopped). The message names the origin
 * (scheme, host and port, never the path or query, which may carry templated secrets) and why.
 */
export class EgressRefusedError extends Error {
  constructor(
    /** Why, without the subject: e.g. "127.0.0.1 is a loopback address". */
    readonly reason: string,
    subject?: string,
  ) {
    super(`egress refused: ${subject === undefined ? reason : `${subject}: ${reason}`}`);
    this.name = 'EgressRefusedError';
  }
}
