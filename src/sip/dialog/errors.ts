// Errors of the dialog layer (RFC 3261 §12), with stable codes and the status a UA answers with.

export type DialogErrorCode =
  /** A message that should create or belong to a dialog lacks what §12.1 needs (tags, Contact, CSeq). */
  | 'SIP_DIALOG_BAD_MESSAGE'
  /** No dialog matches the request (answered with 481, §12.2.2). */
  | 'SIP_DIALOG_NOT_FOUND'
  /** The dialog is terminated; nothing can be sent in it. */
  | 'SIP_DIALOG_TERMINATED';

const STATUS: Record<DialogErrorCode, number> = {
  SIP_DIALOG_BAD_MESSAGE: 400,
  SIP_DIALOG_NOT_FOUND: 481,
  SIP_DIALOG_TERMINATED: 481,
};

export class DialogError extends Error {
  readonly code: DialogErrorCode;
  readonly status: number;

  constructor(code: DialogErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DialogError';
    this.code = code;
    this.status = STATUS[code];
  }
}
