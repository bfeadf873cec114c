/**
 * The typed AST of an OpenSIPS script. Every node carries `loc` (file, 1-based
 * line/column, offsets). Pseudo-variables and strings stay raw: the compiler
 * parses pvar specs and format strings with the pv/ parser once, at load.
 *
 * Stability contract: this file only grows (new node kinds, new optional
 * fields); existing kinds and fields keep their meaning.
 */
import type { SourceLoc } from './diagnostics';

// ---------------------------------------------------------------- expressions

export interface NumberLit {
  kind: 'Number';
  /** Value after sign, hex/octal and yes/no folding (`yes`/`true`/`on`/`enable` are 1). */
  value: number;
  /** Source spelling, e.g. `0x1F`, `-1`, `yes`. */
  raw: string;
  loc: SourceLoc;
}

export interface StringLit {
  kind: 'String';
  /** Text with escapes processed; adjacent literals ("a" "b") are already joined. */
  value: string;
  quote: '"' | "'";
  loc: SourceLoc;
}

export interface Pvar {
  kind: 'Pvar';
  /** Exactly as written: `$si`, `$(ct[$var(i)]{nameaddr.uri})`, `$hdr(From)[-1]`. */
  raw: string;
  loc: SourceLoc;
}

export interface NullLit {
  kind: 'Null';
  loc: SourceLoc;
}

/** IPv4/IPv6 address or network literal: `10.0.0.1`, `::1`, `[::1]`, `10.0.0.0/8`, `10.0.0.0/255.0.0.0`. */
export interface IpLit {
  kind: 'Ip';
  /** Address without brackets. */
  address: string;
  family: 4 | 6;
  /** Prefix after '/', as written (a number or a dotted/colon mask); null for a plain address. */
  mask: string | null;
  raw: string;
  loc: SourceLoc;
}

/** A bare identifier used as a value (function argument such as `L_ERR`, route name argument, ...). */
export interface Ident {
  kind: 'Ident';
  name: string;
  loc: SourceLoc;
}

/** A function argument left out: `f("a", , "b")` or `f(, "b")`. */
export interface OmittedArg {
  kind: 'Omitted';
  loc: SourceLoc;
}

export interface CallExpr {
  kind: 'Call';
  /** Module or core function name. */
  name: string;
  nameLoc: SourceLoc;
  args: Array<Expr | OmittedArg>;
  loc: SourceLoc;
}

/** `route(name, args...)`; the name may be a pseudo-variable (dynamic route). */
export interface RouteCallExpr {
  kind: 'RouteCall';
  name: string | Pvar;
  nameLoc: SourceLoc;
  args: Expr[];
  loc: SourceLoc;
}

export type BinaryOp =
  | '||' | '&&'
  | '==' | '!=' | '<' | '>' | '<=' | '>=' | '=~' | '!~'
  | '+' | '-' | '*' | '/' | '%'
  | '&' | '|' | '^' | '<<' | '>>';

export interface BinaryExpr {
  kind: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  /** Location of the operator token. */
  opLoc: SourceLoc;
  loc: SourceLoc;
}

export type UnaryOp = '!' | '-' | '~';

export interface UnaryExpr {
  kind: 'Unary';
  op: UnaryOp;
  operand: Expr;
  loc: SourceLoc;
}

export type Expr =
  | NumberLit
  | StringLit
  | Pvar
  | NullLit
  | IpLit
  | Ident
  | CallExpr
  | RouteCallExpr
  | BinaryExpr
  | UnaryExpr;

// ----------------------------------------------------------------- statements

export interface ExprStmt {
  kind: 'ExprStmt';
  /** A function call or route call run for its effect (its return code sets $retcode). */
  expr: CallExpr | RouteCallExpr;
  loc: SourceLoc;
}

export type AssignOp = '=' | ':=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=';

export interface AssignStmt {
  kind: 'Assign';
  target: Pvar;
  op: AssignOp;
  value: Expr;
  loc: SourceLoc;
}

export interface IfStmt {
  kind: 'If';
  cond: Expr;
  then: Stmt;
  /** `else if` is an IfStmt here. */
  else: Stmt | null;
  loc: SourceLoc;
}

export interface SwitchCase {
  /** null for `default:`. */
  label: NumberLit | StringLit | null;
  /** Statements until the next label; execution falls through unless a `break` ends it. */
  body: Stmt[];
  loc: SourceLoc;
}

export interface SwitchStmt {
  kind: 'Switch';
  subject: Expr;
  cases: SwitchCase[];
  loc: SourceLoc;
}

export interface WhileStmt {
  kind: 'While';
  cond: Expr;
  body: Stmt;
  loc: SourceLoc;
}

/** `for ($var(x) in $(avp(list)[*])) ...` */
export interface ForEachStmt {
  kind: 'ForEach';
  variable: Pvar;
  iterable: Pvar;
  body: Stmt;
  loc: SourceLoc;
}

export interface BreakStmt {
  kind: 'Break';
  loc: SourceLoc;
}

export interface ExitStmt {
  kind: 'Exit';
  loc: SourceLoc;
}

export interface DropStmt {
  kind: 'Drop';
  loc: SourceLoc;
}

/** `return;`, `return -1;`, `return($var(x));`, `return(1, $var(a), "b");` */
export interface ReturnStmt {
  kind: 'Return';
  /** null for a bare `return` / `return()` (returns 1). */
  value: Expr | null;
  /** Values after the first: OpenSIPS 3.x return values, which the caller reads with $return(n). */
  extra: Expr[];
  loc: SourceLoc;
}

export interface BlockStmt {
  kind: 'Block';
  body: Stmt[];
  loc: SourceLoc;
}

/** `async(f(args), resume_route [, timeout])` */
export interface AsyncStmt {
  kind: 'Async';
  call: CallExpr;
  resumeRoute: string;
  resumeRouteLoc: SourceLoc;
  timeout: NumberLit | null;
  loc: SourceLoc;
}

/** `launch(f(args) [, report_route [, "route param"]])` */
export interface LaunchStmt {
  kind: 'Launch';
  call: CallExpr;
  reportRoute: string | null;
  reportRouteLoc: SourceLoc | null;
  reportParam: StringLit | null;
  loc: SourceLoc;
}

export type Stmt =
  | ExprStmt
  | AssignStmt
  | IfStmt
  | SwitchStmt
  | WhileStmt
  | ForEachStmt
  | BreakStmt
  | ExitStmt
  | DropStmt
  | ReturnStmt
  | BlockStmt
  | AsyncStmt
  | LaunchStmt;

// ---------------------------------------------------------------- route blocks

export type RouteType =
  | 'request'   // route / route[name]
  | 'onreply'   // onreply_route / onreply_route[name]
  | 'failure'   // failure_route[name]
  | 'branch'    // branch_route[name]
  | 'local'     // local_route
  | 'startup'   // startup_route
  | 'timer'     // timer_route[name, seconds]
  | 'event'     // event_route[E_NAME] / event_route[E_NAME, async]
  | 'error';    // error_route

export interface RouteBlock {
  kind: 'Route';
  type: RouteType;
  /** null for the unnamed main route/onreply_route and for local/startup/error routes. */
  name: string | null;
  nameLoc: SourceLoc | null;
  /** timer_route interval in seconds. */
  interval: number | null;
  /** event_route mode written after the name (`sync`/`async`), OpenSIPS 2.x style; null when absent. */
  mode: string | null;
  body: Stmt[];
  loc: SourceLoc;
}

// ------------------------------------------------------------------ top level

/** `proto:host[:port]` as in socket=/listen=/alias=; host may be `*`. */
export interface SocketAddress {
  /** Lower-cased protocol (`udp`, `tcp`, `tls`, `ws`, `wss`, `sctp`, `hep_udp`, ...) or null when not written (alias=host). */
  proto: string | null;
  host: string;
  /** Port number, null when absent; 0 for `any`. */
  port: number | null;
  /** Port ranges ("5060-5070,5080"), when given instead of one port. */
  portRanges: Array<{ from: number; to: number }> | null;
  loc: SourceLoc;
}

export interface SocketOption {
  /** `as`, `tag`, `use_workers` (2.x `use_children` is reported as `use_workers`), `tos`, `use_auto_scaling_profile`, `anycast`, `frag`, `reuse_port`, `accept_subdomain`, `allow_proxy_protocol`, `send_proxy_protocol`, `proxy_protocol` */
  name: string;
  /** `as` takes an address; `tag` / profile an identifier; `use_workers` / `tos` a number; flags none. */
  value: SocketAddress | string | number | null;
  loc: SourceLoc;
}

export interface SocketValue {
  kind: 'Socket';
  address: SocketAddress;
  options: SocketOption[];
  loc: SourceLoc;
}

/** `socket = bond:NAME { "udp:1.2.3.4:5060", ... }` */
export interface SocketBondValue {
  kind: 'SocketBond';
  name: string;
  members: StringLit[];
  loc: SourceLoc;
}

export interface AliasValue {
  kind: 'Alias';
  entries: Array<{ address: SocketAddress; acceptSubdomain: boolean }>;
  loc: SourceLoc;
}

export interface BlacklistEntry {
  /** `!` before the entry: an exception inside the list. */
  negated: boolean;
  /** null for `any` or when left out. */
  proto: string | null;
  net: IpLit;
  /** 0 or null mean any port. */
  port: number | null;
  /** fnmatch glob matched against the whole outgoing request (OpenSIPS blacklists.c); null when left out. */
  pattern: StringLit | null;
  loc: SourceLoc;
}

export interface BlacklistValue {
  kind: 'Blacklist';
  name: string;
  /** `readonly`, `expire`, `default` written as `name/flag,flag:{...}`. */
  flags: string[];
  entries: BlacklistEntry[];
  loc: SourceLoc;
}

/** `auto_scaling_profile = NAME scale up to N on P% for C cycles [within W] [scale down to N on P% for C cycles]` */
export interface ScalingProfileValue {
  kind: 'ScalingProfile';
  name: string;
  up: { processes: number; percentage: number; cycles: number; within: number | null };
  down: { processes: number; percentage: number; cycles: number } | null;
  loc: SourceLoc;
}

/** `mem-group = "name": "module1" "module2"` */
export interface MemGroupValue {
  kind: 'MemGroup';
  name: string;
  modules: string[];
  loc: SourceLoc;
}

/** Host names written bare (`advertised_address = sip.example.com`) or any other bare word. */
export interface WordValue {
  kind: 'Word';
  text: string;
  loc: SourceLoc;
}

export type CoreParamValue =
  | NumberLit
  | StringLit
  | IpLit
  | NullLit
  | WordValue
  | SocketValue
  | SocketBondValue
  | AliasValue
  | BlacklistValue
  | ScalingProfileValue
  | MemGroupValue;

export interface CoreParam {
  kind: 'CoreParam';
  /** As written (`log_level`, `listen`, `mem-group`, ...). */
  name: string;
  nameLoc: SourceLoc;
  value: CoreParamValue;
  /** `udp_workers = 4 use_auto_scaling_profile P`: the profile name. */
  scalingProfile: string | null;
  loc: SourceLoc;
}

/** `mpath = "/usr/lib/opensips/modules/"` (several paths may be separated by ':'). */
export interface MpathDecl {
  kind: 'Mpath';
  paths: StringLit[];
  loc: SourceLoc;
}

export interface LoadModule {
  kind: 'LoadModule';
  /** As written, e.g. `proto_udp.so` or `tm`. */
  path: StringLit;
  loc: SourceLoc;
}

export interface ModParam {
  kind: 'ModParam';
  module: StringLit;
  param: StringLit;
  value: StringLit | NumberLit;
  loc: SourceLoc;
}

export type TopLevelItem = CoreParam | MpathDecl | LoadModule | ModParam | RouteBlock;

/** One include_file/import_file directive the loader resolved. */
export interface IncludeRecord {
  directive: 'include_file' | 'import_file';
  /** Path as written. */
  path: string;
  /** Absolute path of the included file. */
  resolved: string;
  loc: SourceLoc;
  /** true when import_file skipped a file already loaded. */
  skipped: boolean;
}

export interface Script {
  kind: 'Script';
  /** Path of the main file. */
  file: string;
  /** Items in source order, includes already spliced in. */
  items: TopLevelItem[];
  includes: IncludeRecord[];
  loc: SourceLoc;
}

export type Node = Expr | OmittedArg | Stmt | RouteBlock | TopLevelItem | Script;
