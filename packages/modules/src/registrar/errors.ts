/**
 * Why a save() failed, with the reply OpenSIPS sends for it (lib/reg/rerrno): status,
 * reason phrase and the P-Registrar-Error text.
 */
export interface RegError {
  status: number;
  reason: string;
  info: string;
}

const reasons: Record<number, string> = { 400: 'Bad Request', 420: 'Bad Extension', 500: 'Server Internal Error', 503: 'Service Unavailable' };

function e(status: number, info: string): RegError {
  return { status, reason: reasons[status] ?? 'Error', info };
}

export const R = {
  internal: e(500, 'Server Internal Error'),
  invCseq: e(400, 'Invalid CSeq number'),
  toUser: e(400, 'No username in To URI'),
  aorLen: e(500, 'Address Of Record too long'),
  aorParse: e(400, 'Error while parsing AOR'),
  invExp: e(400, 'Invalid expires param in contact'),
  invQ: e(400, 'Invalid q param in contact'),
  parse: e(400, 'Message parse error'),
  toMiss: e(400, 'To header not found'),
  cidMiss: e(400, 'Call-ID header not found'),
  csMiss: e(400, 'CSeq header not found'),
  parseExp: e(400, 'Expires parse error'),
  parseCont: e(400, 'Contact parse error'),
  starExp: e(400, '* used in contact and expires is not zero'),
  starCont: e(400, '* used in contact and more than 1 contact'),
  tooMany: e(503, 'Too many registered contacts'),
  contactLen: e(400, 'Contact/received too long'),
  callidLen: e(400, 'Callid too long'),
  parsePath: e(400, 'Path parse error'),
  pathUnsup: e(420, 'No support for found Path indicated'),
} as const;

export class RegistrarError extends Error {
  constructor(readonly reg: RegError, detail?: string) {
    super(detail ?? reg.info);
    this.name = 'RegistrarError';
  }
}
