/**
 * Script values and the OpenSIPS conversion rules between them.
 *
 * OpenSIPS carries a value as a `pv_value_t`: a string part, an integer part
 * and flags saying which parts are valid (plus a NULL flag). tsips keeps the
 * three cases a script can observe:
 *
 *   - `number`: an integer. Integers read from pseudo-variables in OpenSIPS
 *     always carry their decimal string too (pv_get_sintval sets both flags),
 *     so a `number` here may be used wherever a string is expected, rendered
 *     in decimal.
 *   - `string`: a string with no integer meaning (headers, URIs, literals).
 *     OpenSIPS never parses such a string as an integer implicitly; only
 *     `{s.int}` or an explicit cast does.
 *   - `null`: NULL (unset `$var`, missing header, no AVP...).
 *
 * Integers are 32-bit signed in OpenSIPS (`int`); arithmetic here wraps the
 * same way.
 */

export type ScriptValue = string | number | null;

/** Wrap to a 32-bit signed integer, as a C `int` would hold it. */
export function toInt32(n: number): number {
  return n | 0;
}

/**
 * Parse a decimal integer the way OpenSIPS's `str2sint` does for `{s.int}`:
 * an optional single `+` or `-`, then digits; conversion stops at the first
 * non-digit and keeps what was read so far (with its sign). An empty string
 * or one starting with a non-digit yields 0. No whitespace skipping, no hex.
 * The result wraps to 32 bits like the C accumulation does.
 */
export function strToIntPrefix(s: string): number {
  let i = 0;
  let sign = 1;
  if (s.length === 0) return 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    sign = -1;
    i = 1;
  } else if (s.charCodeAt(0) === 43 /* + */) {
    i = 1;
  }
  let acc = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    acc = (Math.imul(acc, 10) + (c - 48)) | 0;
  }
  return Math.imul(acc, sign) | 0;
}

/**
 * Strict decimal parse as OpenSIPS's `str2sint` reports it: the whole text
 * must be an optional sign followed by at least one digit. Returns undefined
 * when it is not (empty, trailing junk, a lone sign). Used where OpenSIPS
 * checks the return code (casts, integer module parameters).
 */
export function strToIntStrict(s: string): number | undefined {
  if (s.length === 0) return undefined;
  let i = 0;
  if (s[0] === '-' || s[0] === '+') i = 1;
  if (i >= s.length) return undefined;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return undefined;
  }
  return strToIntPrefix(s);
}

/** Unsigned strict decimal parse (OpenSIPS `str2int`): digits only, no sign. */
export function strToUintStrict(s: string): number | undefined {
  if (s.length === 0) return undefined;
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    acc = (Math.imul(acc, 10) + (c - 48)) >>> 0;
  }
  return acc;
}

/** OpenSIPS `int2str`/`sint2str`: plain decimal, `-` for negatives. */
export function intToStr(n: number): string {
  return String(n | 0);
}

/**
 * The string view of a value, as OpenSIPS prints it in a format string
 * (xlog, "authF_$si"): integers in decimal, NULL as `<null>` (pvar.c prints
 * its `str_null` constant for a NULL value inside a format).
 */
export function valueToFormatString(v: ScriptValue): string {
  if (v === null) return '<null>';
  if (typeof v === 'number') return intToStr(v);
  return v;
}

/**
 * The string part of a value as OpenSIPS hands it to a function or a
 * transformation: integers in decimal, NULL as the empty string
 * (`pv_get_null` leaves an empty string part).
 */
export function valueToString(v: ScriptValue): string {
  if (v === null) return '';
  if (typeof v === 'number') return intToStr(v);
  return v;
}

/**
 * Truthiness of a value used alone as a condition (`if ($var(x))`), as
 * OpenSIPS's eval_elem decides it for a lone pseudo-variable: NULL, the empty
 * string and integer 0 are false; every other integer and every non-empty
 * string (including "0") is true.
 */
export function isTruthy(v: ScriptValue): boolean {
  if (v === null) return false;
  if (typeof v === 'number') return v !== 0;
  return v.length > 0;
}

/** Comparison operators of the script language. */
export type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

/**
 * Outcome of a comparison: 1 true, 0 false, -1 error. OpenSIPS returns -1
 * for an invalid operation (e.g. a string value against an integer
 * constant); the condition is then false, and `!` does not turn the error
 * into true (eval_expr leaves negative results alone).
 */
export type CompareResult = 1 | 0 | -1;

/**
 * Case-insensitive three-way compare of two strings, byte by byte with
 * ASCII folding, the shorter string first on a common prefix
 * (OpenSIPS `str_strcasecmp`).
 */
export function strCaseCompare(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Case-insensitive ASCII equality (OpenSIPS `str_casematch`). */
export function strCaseEqual(a: string, b: string): boolean {
  return a.length === b.length && strCaseCompare(a, b) === 0;
}

function compareNumbers(op: CompareOp, a: number, b: number): CompareResult {
  switch (op) {
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
  }
}

/**
 * String comparison as OpenSIPS's comp_s2s: ASCII case-insensitive for
 * every operator (`"ABC" == "abc"` is true).
 */
export function compareStrings(op: CompareOp, a: string, b: string): CompareResult {
  if (op === '==') return strCaseEqual(a, b) ? 1 : 0;
  if (op === '!=') return strCaseEqual(a, b) ? 0 : 1;
  const c = strCaseCompare(a, b);
  switch (op) {
    case '<': return c < 0 ? 1 : 0;
    case '>': return c > 0 ? 1 : 0;
    case '<=': return c <= 0 ? 1 : 0;
    default: return c >= 0 ? 1 : 0;
  }
}

/**
 * What the right-hand side of a comparison is, because OpenSIPS types the
 * comparison differently for a constant and for another variable.
 */
export type CompareRightKind = 'constant' | 'variable';

/**
 * Compare a variable's value (left) with a constant or another variable
 * (right), following OpenSIPS's comp_scriptvar:
 *
 * - NULL on either side: `==` is true only when both are NULL, `!=` only
 *   when exactly one is; every ordering operator is false. (A NULL constant
 *   on the right behaves the same: `$x == NULL`, `$x != NULL`.)
 * - right is a variable: two integers compare as integers; otherwise both
 *   compare as strings (an integer variable also has its decimal string
 *   form, so `$var(i) == $hdr(X)` compares "5" with the header text).
 * - right is a string constant: the left value's string form is compared
 *   (an integer left value is rendered in decimal).
 * - right is an integer constant: the left value must be an integer; a
 *   string value there is an invalid operation (-1, OpenSIPS logs
 *   "invalid == operation"), never an implicit string-to-int cast.
 */
export function compareValues(
  op: CompareOp,
  left: ScriptValue,
  right: ScriptValue,
  rightKind: CompareRightKind,
): CompareResult {
  if (right === null && rightKind === 'constant') {
    // `$x == NULL` tests for NULL; every other operator against the NULL
    // constant is OpenSIPS's "not NULL" test (so `$x != NULL`, and oddly also
    // `$x > NULL`, are true for any set value).
    if (op === '==') return left === null ? 1 : 0;
    return left === null ? 0 : 1;
  }
  if (left === null || right === null) {
    if (left === null && right === null) return op === '==' ? 1 : 0;
    return op === '!=' ? 1 : 0;
  }
  if (typeof left === 'number' && typeof right === 'number') return compareNumbers(op, left, right);
  if (rightKind === 'constant' && typeof right === 'number') return -1; // string value vs int constant
  return compareStrings(op, valueToString(left), valueToString(right));
}

/** Arithmetic and bitwise operators usable in script expressions. */
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';

/**
 * Result of a binary arithmetic/concatenation expression. `undefined` means
 * OpenSIPS reports an error and the expression has no value (it logs
 * "invalid numeric operands", "divide by 0", ...); callers treat it as a
 * failed evaluation.
 */
export type ArithResult = ScriptValue | undefined;

/**
 * Evaluate `left OP right` as OpenSIPS's eval_elem does for expression
 * operands:
 *
 * - left is an integer: integer arithmetic with 32-bit wrap-around; a NULL
 *   right operand counts as 0; a string right operand is an error; `/` and
 *   `%` by zero are errors; `/` truncates toward zero like C.
 * - left is not an integer and the operator is `+`: string concatenation;
 *   a NULL on either side contributes nothing (NULL's string part is
 *   empty), an integer right operand contributes its decimal form.
 * - left and right are both strings and the operator is `&`, `|` or `^`:
 *   the bytes are combined pairwise; the strings must be equally long.
 * - anything else is an error.
 *
 * Where tsips differs: OpenSIPS refuses `"a" + 1` when the 1 is a bare
 * integer constant (it has no string part) but accepts it when the integer
 * comes from a variable; tsips cannot tell the two apart here and
 * concatenates in both cases.
 */
export function arith(op: ArithOp, left: ScriptValue, right: ScriptValue): ArithResult {
  if (typeof left === 'number') {
    let r: number;
    if (right === null) r = 0;
    else if (typeof right === 'number') r = right;
    else return undefined;
    switch (op) {
      case '+': return (left + r) | 0;
      case '-': return (left - r) | 0;
      case '*': return Math.imul(left, r);
      case '/': return r === 0 ? undefined : Math.trunc(left / r) | 0;
      case '%': return r === 0 ? undefined : (left % r) | 0;
      case '&': return left & r;
      case '|': return left | r;
      case '^': return left ^ r;
      case '<<': return left << r;
      case '>>': return left >> r;
    }
  }
  if (op === '+') {
    return valueToString(left) + valueToString(right);
  }
  if (typeof left === 'string' && typeof right === 'string' && (op === '&' || op === '|' || op === '^')) {
    if (left.length !== right.length) return undefined;
    let out = '';
    for (let i = 0; i < left.length; i++) {
      const a = left.charCodeAt(i);
      const b = right.charCodeAt(i);
      out += String.fromCharCode(op === '&' ? a & b : op === '|' ? a | b : a ^ b);
    }
    return out;
  }
  return undefined;
}

/** Bitwise NOT (`~x`): integers only; anything else is an error. */
export function bitNot(v: ScriptValue): ArithResult {
  return typeof v === 'number' ? ~v : undefined;
}
