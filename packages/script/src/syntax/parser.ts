/**
 * The OpenSIPS script grammar as a chevrotain EmbeddedActionsParser that
 * builds the AST directly (no CST). One instance is created lazily and reused
 * for every file: grammar analysis happens once per process.
 *
 * Precedence (lowest first), as OpenSIPS's cfg.y declares it:
 *   1. `||` `&&` (`or`, `and`)      same level, left-assoc  (a || b && c == (a || b) && c)
 *   2. `!` `not`                    prefix
 *   3. `== != < > <= >= =~ !~`      non-associative
 *   4. `| & ^ << >>`                same level, left-assoc
 *   5. `+ - * / %`                  same level, left-assoc  (1 + 2 * 3 == 9)
 *   6. unary `-` `~`
 * Code that would run during chevrotain's grammar-recording phase and
 * touches real values is wrapped in ACTION.
 */
import type { IOrAlt, IToken, OrMethodOpts, TokenType } from 'chevrotain';
import { EmbeddedActionsParser } from './chevrotain';
import * as T from './tokens';
import type * as A from './ast';
import type { SourceLoc } from './diagnostics';
import { tokenLoc, type ScriptToken } from './lexer';
import { errorMessageProvider } from './parse-errors';

type Tok = IToken & { file?: string };

/** Location spanning from the start of token/node `a` to the end of token/node `b`. */
function span(a: Tok | { loc: SourceLoc }, b: Tok | { loc: SourceLoc }): SourceLoc {
  const la = 'loc' in a ? a.loc : tokenLoc(a);
  let endOffset: number;
  let endFile: string | undefined;
  if ('loc' in b) {
    endOffset = b.loc.endOffset;
    endFile = b.loc.file;
  } else {
    endOffset = (b.endOffset ?? b.startOffset) + 1;
    endFile = b.file;
  }
  // Recovery inserts tokens without positions; a span never crosses files.
  if (!Number.isFinite(endOffset) || endFile !== la.file || endOffset < la.offset) return la;
  return { file: la.file, line: la.line, column: la.column, offset: la.offset, endOffset };
}

const loc = (t: Tok): SourceLoc => tokenLoc(t);

/** Processes the escapes of a double-quoted string the way OpenSIPS's lexer does. */
export function unescapeDoubleQuoted(body: string): string {
  if (body.indexOf('\\') < 0) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const d = body[i + 1]!;
    switch (d) {
      case 'n': out += '\n'; i++; continue;
      case 'r': out += '\r'; i++; continue;
      case 'a': out += '\x07'; i++; continue;
      case 't': out += '\t'; i++; continue;
      case '"': out += '"'; i++; continue;
      case '\\': out += '\\'; i++; continue;
      case '\n': i++; continue; // escaped newline: line continuation
      case '\r':
        if (body[i + 2] === '\n') { i += 2; continue; }
        break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 2, i + 4));
        if (m) { out += String.fromCharCode(parseInt(m[0], 16)); i += 1 + m[0].length; continue; }
        break;
      }
      default: {
        // Octal needs two or three digits; a single digit stays literal so
        // regex back-references like "\1" survive.
        const m = /^[0-7]{2,3}/.exec(body.slice(i + 1, i + 4));
        if (m) { out += String.fromCharCode(parseInt(m[0], 8) & 0xff); i += m[0].length; continue; }
      }
    }
    out += c; // unknown escape: the backslash is kept, the next char is read normally
  }
  return out;
}

export function stringValue(t: Tok): { value: string; quote: '"' | "'" } {
  const quote = t.image[0] as '"' | "'";
  const body = t.image.slice(1, -1);
  return { value: quote === '"' ? unescapeDoubleQuoted(body) : body, quote };
}

export function numberValue(image: string): number {
  if (/^0[xX]/.test(image)) return parseInt(image.slice(2), 16);
  if (image.length > 1 && image[0] === '0') return parseInt(image, 8);
  if (/^(yes|true|on|enable)$/.test(image)) return 1;
  if (/^(no|false|off|disable)$/.test(image)) return 0;
  return parseInt(image, 10);
}

export function ipLiteral(raw: string, l: SourceLoc): A.IpLit {
  const slash = raw.indexOf('/');
  const address = slash < 0 ? raw : raw.slice(0, slash);
  return {
    kind: 'Ip',
    address,
    family: address.includes(':') ? 6 : 4,
    mask: slash < 0 ? null : raw.slice(slash + 1),
    raw,
    loc: l,
  };
}

const BIN_OPS: Record<string, A.BinaryOp> = {
  '||': '||', or: '||', '&&': '&&', and: '&&',
  '==': '==', '!=': '!=', '<': '<', '>': '>', '<=': '<=', '>=': '>=', '=~': '=~', '!~': '!~',
  '+': '+', '-': '-', '*': '*', '/': '/', '%': '%',
  '&': '&', '|': '|', '^': '^', '<<': '<<', '>>': '>>',
};

const SOCKET_FLAG_WORDS = new Set([
  'anycast', 'frag', 'reuse_port', 'accept_subdomain',
  'allow_proxy_protocol', 'send_proxy_protocol', 'proxy_protocol',
  'allow_proxy', 'send_proxy', 'proxy',
]);
// `use_children` is the 2.x spelling of `use_workers`.
const SOCKET_VALUE_WORDS = new Set(['as', 'tag', 'use_workers', 'use_children', 'tos', 'use_auto_scaling_profile']);

/** Words that may follow a socket address as options (case-insensitive, '-' or '_' separated). */
export function isSocketOptionWord(image: string): boolean {
  const w = image.toLowerCase();
  return SOCKET_VALUE_WORDS.has(w) || SOCKET_FLAG_WORDS.has(w) || w === 'allow' || w === 'send';
}

/** Issues the parser found that are not grammar errors (bad values); reported with the syntax errors. */
export interface ParserNote {
  severity: 'error' | 'warning';
  message: string;
  loc: SourceLoc;
  expected?: string;
}

export class ScriptParser extends EmbeddedActionsParser {
  /** Semantic problems noticed while building nodes (reset by parseScript). */
  notes: ParserNote[] = [];

  /**
   * `validate` runs chevrotain's grammar checks (ambiguities, left recursion);
   * they cost more than the analysis itself, so production skips them and the
   * test suite builds one validated instance.
   */
  constructor(options: { validate?: boolean; recovery?: boolean } = {}) {
    super(T.allTokens, {
      // Recovery (on by default) lets one parse report several independent errors.
      recoveryEnabled: options.recovery !== false,
      // LL(1) everywhere but in `primary`: grammar analysis is part of every cold start.
      maxLookahead: 1,
      skipValidations: options.validate !== true,
      errorMessageProvider,
    });
    this.performSelfAnalysis();
  }

  /**
   * ACTION that tolerates holes: after a syntax error chevrotain's recovery
   * hands back `undefined` for failed sub-rules, so building a node may throw.
   * The tree is partial then anyway and the error is already recorded.
   */
  private act<R>(fn: () => R): R {
    return this.ACTION(() => {
      try {
        return fn();
      } catch (err) {
        if (this.errors.length > 0) return undefined as R;
        throw err;
      }
    });
  }

  private note(message: string, l: SourceLoc, expected?: string, severity: 'error' | 'warning' = 'error'): void {
    this.notes.push(expected === undefined ? { severity, message, loc: l } : { severity, message, loc: l, expected });
  }

  private isWord(k: number, ...words: string[]): boolean {
    const t = this.LA(k);
    return t.tokenType === T.Identifier && words.includes(t.image.toLowerCase());
  }

  // ================================================================ top level

  script = this.RULE('script', (): A.TopLevelItem[] => {
    const items: A.TopLevelItem[] = [];
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            const item = this.SUBRULE(this.topItem);
            this.act(() => {
              if (item) items.push(item);
            });
          },
        },
        {
          // `route { ... };` -- tolerated, but OpenSIPS itself refuses it
          ALT: () => {
            const semi = this.CONSUME(T.Semicolon);
            this.act(() => this.note("stray ';' at top level", loc(semi), "nothing here: OpenSIPS rejects a ';' after a route block or parameter", 'warning'));
          },
        },
      ]);
    });
    return items;
  });

  topItem = this.RULE('topItem', (): A.TopLevelItem => {
    return this.OR<A.TopLevelItem>([
      { ALT: () => this.SUBRULE(this.routeBlock) },
      { ALT: () => this.SUBRULE(this.loadModule) },
      { ALT: () => this.SUBRULE(this.modParam) },
      { ALT: () => this.SUBRULE(this.mpath) },
      { ALT: () => this.SUBRULE(this.coreParam) },
    ]);
  });

  loadModule = this.RULE('loadModule', (): A.LoadModule => {
    const kw = this.CONSUME(T.LoadModule);
    const path = this.SUBRULE(this.stringLit);
    return this.act(() => ({ kind: 'LoadModule', path, loc: span(kw, path) }) as A.LoadModule);
  });

  modParam = this.RULE('modParam', (): A.ModParam => {
    const kw = this.CONSUME(T.ModParam);
    this.CONSUME(T.LParen);
    const module = this.SUBRULE1(this.stringLit);
    this.CONSUME1(T.Comma);
    const param = this.SUBRULE2(this.stringLit);
    this.CONSUME2(T.Comma);
    const value = this.OR<A.StringLit | A.NumberLit>({
      ERR_MSG: 'a string or a number (parameter values are never bare names)',
      DEF: [
        { ALT: () => this.SUBRULE3(this.stringLit) },
        { ALT: () => this.SUBRULE(this.signedNumber) },
      ],
    });
    const end = this.CONSUME(T.RParen);
    return this.act(() => ({ kind: 'ModParam', module, param, value, loc: span(kw, end) }) as A.ModParam);
  });

  mpath = this.RULE('mpath', (): A.MpathDecl => {
    const kw = this.CONSUME(T.Mpath);
    this.CONSUME(T.Equal);
    const paths: A.StringLit[] = [];
    let last: A.StringLit = this.SUBRULE1(this.stringLit);
    paths.push(last);
    this.MANY(() => {
      this.CONSUME(T.Colon);
      last = this.SUBRULE2(this.stringLit);
      paths.push(last);
    });
    return this.act(() => ({ kind: 'Mpath', paths, loc: span(kw, last) }) as A.MpathDecl);
  });

  coreParam = this.RULE('coreParam', (): A.CoreParam => {
    let scalingProfile: string | null = null;
    let endTok: Tok | undefined;
    const nameTok = this.OR1<Tok>([
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.SocketKw) },
      { ALT: () => this.CONSUME(T.AliasKw) },
      { ALT: () => this.CONSUME(T.DstBlacklist) },
      { ALT: () => this.CONSUME(T.MemGroup) },
      { ALT: () => this.CONSUME(T.AutoScalingProfile) },
    ]);
    this.CONSUME(T.Equal);
    const kind = nameTok.tokenType;
    const value = this.OR2<A.CoreParamValue>([
      { GATE: () => kind === T.SocketKw, ALT: () => this.SUBRULE(this.socketValue) },
      { GATE: () => kind === T.AliasKw, ALT: () => this.SUBRULE(this.aliasValue) },
      { GATE: () => kind === T.DstBlacklist, ALT: () => this.SUBRULE(this.blacklistValue) },
      { GATE: () => kind === T.MemGroup, ALT: () => this.SUBRULE(this.memGroupValue) },
      { GATE: () => kind === T.AutoScalingProfile, ALT: () => this.SUBRULE(this.scalingProfileValue) },
      {
        GATE: () => kind === T.Identifier,
        ALT: () => {
          const v = this.SUBRULE(this.scalarValue);
          this.OPTION({
            GATE: () => this.isWord(1, 'use_auto_scaling_profile'),
            DEF: () => {
              this.CONSUME2(T.Identifier);
              endTok = this.CONSUME3(T.Identifier);
              scalingProfile = endTok.image;
            },
          });
          return v;
        },
      },
    ], );
    return this.act(() => ({
      kind: 'CoreParam',
      name: nameTok.image,
      nameLoc: loc(nameTok),
      value,
      scalingProfile,
      loc: span(nameTok, endTok ?? value),
    }) as A.CoreParam);
  });

  /** Any simple value of a core parameter: number, yes/no, string(s), IP, NULL or a bare word / host name. */
  scalarValue = this.RULE('scalarValue', (): A.CoreParamValue => {
    return this.OR<A.CoreParamValue>({
      ERR_MSG: 'a value: a number, yes/no, a string, an IP address or a name',
      DEF: [
        { ALT: () => this.SUBRULE(this.signedNumber) },
        { ALT: () => this.SUBRULE(this.stringLit) },
        { ALT: () => this.SUBRULE(this.ipValue) },
        {
          ALT: () => {
            const t = this.CONSUME(T.Null);
            return this.act(() => ({ kind: 'Null', loc: loc(t) }) as A.NullLit);
          },
        },
        {
          ALT: () => {
            const h = this.SUBRULE(this.hostName);
            return this.act(() => ({ kind: 'Word', text: h.text, loc: h.loc }) as A.WordValue);
          },
        },
      ],
    });
  });

  /** `sip.example.com`, `my-host`, `LOG_LOCAL0`: identifiers joined by '.' or '-'. */
  hostName = this.RULE('hostName', (): { text: string; loc: SourceLoc } => {
    const first = this.CONSUME1(T.Identifier);
    let text = first.image;
    let last: Tok = first;
    this.MANY(() => {
      const sep = this.OR([{ ALT: () => this.CONSUME(T.Dot) }, { ALT: () => this.CONSUME(T.Minus) }]);
      last = this.OR2([
        { ALT: () => this.CONSUME2(T.Identifier) },
        { ALT: () => this.CONSUME(T.NumberLiteral) },
      ]);
      text += sep.image + last.image;
    });
    return this.act(() => ({ text, loc: span(first, last) }));
  });

  /** An IP address or network; IPv6 may be written in brackets. */
  ipValue = this.RULE('ipValue', (): A.IpLit => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME1(T.IpLiteral);
          return this.act(() => ipLiteral(t.image, loc(t)));
        },
      },
      {
        ALT: () => {
          const open = this.CONSUME(T.LBracket);
          const t = this.CONSUME2(T.IpLiteral);
          const close = this.CONSUME(T.RBracket);
          return this.act(() => {
            const ip = ipLiteral(t.image, span(open, close));
            if (ip.family !== 6) this.note('only IPv6 addresses are written in brackets', loc(t));
            return ip;
          });
        },
      },
    ]);
  });

  // ------------------------------------------------------------- sockets

  socketValue = this.RULE('socketValue', (): A.SocketValue | A.SocketBondValue => {
    return this.OR([
      {
        GATE: () => this.isWord(1, 'bond') && this.LA(2).tokenType === T.Colon,
        ALT: () => this.SUBRULE(this.socketBond),
      },
      {
        ALT: () => {
          const address = this.SUBRULE(this.socketAddress);
          const options: A.SocketOption[] = [];
          this.MANY({
            GATE: () =>
              this.LA(1).tokenType === T.Identifier &&
              isSocketOptionWord(this.LA(1).image) &&
              this.LA(2).tokenType !== T.Equal,
            DEF: () => {
              const o = this.SUBRULE(this.socketOption);
              this.act(() => {
                if (o) options.push(o);
              });
            },
          });
          return this.act(() => ({
            kind: 'Socket',
            address,
            options,
            loc: options.length > 0 ? span(address, options[options.length - 1]!) : address.loc,
          }) as A.SocketValue);
        },
      },
    ]);
  });

  socketBond = this.RULE('socketBond', (): A.SocketBondValue => {
    const kw = this.CONSUME1(T.Identifier);
    this.CONSUME(T.Colon);
    const name = this.CONSUME2(T.Identifier);
    this.CONSUME(T.LBrace);
    const members: A.StringLit[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        members.push(this.SUBRULE(this.stringLit));
      },
    });
    const end = this.CONSUME(T.RBrace);
    return this.act(() => ({ kind: 'SocketBond', name: name.image, members, loc: span(kw, end) }) as A.SocketBondValue);
  });

  /** `[proto:]host[:port|:portranges]`; host may be `*`, an IP, `[ipv6]`, a string or a host name. */
  socketAddress = this.RULE('socketAddress', (): A.SocketAddress => {
    let proto: string | null = null;
    let first: Tok | { loc: SourceLoc } | undefined;
    let last: Tok | { loc: SourceLoc } | undefined;
    let port: number | null = null;
    let portRanges: Array<{ from: number; to: number }> | null = null;
    this.OPTION({
      // `udp:1.2.3.4` has a protocol; `myhost:5060` has not: the token after ':' decides.
      GATE: () =>
        this.LA(1).tokenType === T.Identifier &&
        this.LA(2).tokenType === T.Colon &&
        this.LA(3).tokenType !== T.NumberLiteral &&
        // a socket spec never continues on the next line
        this.LA(3).startLine === this.LA(2).endLine,
      DEF: () => {
        const p = this.CONSUME1(T.Identifier);
        this.CONSUME1(T.Colon);
        proto = p.image.toLowerCase();
        first = p;
      },
    });
    const host = this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.Star);
          return this.act(() => ({ text: '*', loc: loc(t) }));
        },
      },
      {
        ALT: () => {
          const ip = this.SUBRULE(this.ipValue);
          return this.act(() => ({ text: ip.address, loc: ip.loc }));
        },
      },
      {
        ALT: () => {
          const s = this.SUBRULE(this.stringLit);
          return this.act(() => ({ text: s.value, loc: s.loc }));
        },
      },
      { ALT: () => this.SUBRULE(this.hostName) },
    ]);
    this.act(() => {
      first ??= host;
      last = host;
    });
    this.OPTION2(() => {
      this.CONSUME2(T.Colon);
      this.OR2({
        ERR_MSG: "a port number, a range such as 5060-5070, or 'any'",
        DEF: [
          {
            GATE: () => this.isWord(1, 'any'),
            ALT: () => {
              last = this.CONSUME2(T.Identifier);
              port = 0;
            },
          },
          {
            ALT: () => {
              const ranges: Array<{ from: number; to: number }> = [];
              this.AT_LEAST_ONE_SEP({
                SEP: T.Comma,
                DEF: () => {
                  const a = this.CONSUME1(T.NumberLiteral);
                  let b: Tok = a;
                  last = a;
                  this.OPTION3(() => {
                    this.CONSUME(T.Minus);
                    b = this.CONSUME2(T.NumberLiteral);
                    last = b;
                  });
                  this.act(() => {
                    const from = numberValue(a.image);
                    const to = numberValue(b.image);
                    if (from > 65535 || to > 65535) this.note(`port ${Math.max(from, to)} is out of range`, span(a, b), 'a port from 0 to 65535');
                    else if (from > to) this.note(`invalid port range ${from}-${to}`, span(a, b), 'the lower port first');
                    ranges.push({ from, to });
                  });
                },
              });
              this.act(() => {
                if (ranges.length === 1 && ranges[0]!.from === ranges[0]!.to) port = ranges[0]!.from;
                else portRanges = ranges;
              });
            },
          },
        ],
      });
    });
    return this.act(() => ({
      proto,
      host: host.text,
      port,
      portRanges,
      loc: span(first!, last!),
    }));
  });

  socketOption = this.RULE('socketOption', (): A.SocketOption => {
    const w = this.CONSUME1(T.Identifier);
    const name = w.image.toLowerCase();
    let last: Tok | { loc: SourceLoc } = w;
    let value: A.SocketOption['value'] = null;
    let flag = name;
    this.OR([
      {
        GATE: () => name === 'as',
        ALT: () => {
          const a = this.SUBRULE(this.socketAddress);
          value = a;
          last = a;
        },
      },
      {
        GATE: () => name === 'tag' || name === 'use_auto_scaling_profile',
        ALT: () => {
          const t = this.CONSUME2(T.Identifier);
          value = t.image;
          last = t;
        },
      },
      {
        GATE: () => name === 'use_workers' || name === 'use_children' || name === 'tos',
        ALT: () => {
          this.OR2([
            {
              ALT: () => {
                const n = this.CONSUME(T.NumberLiteral);
                value = numberValue(n.image);
                last = n;
              },
            },
            {
              ALT: () => {
                const t = this.CONSUME3(T.Identifier);
                value = t.image;
                last = t;
              },
            },
          ]);
        },
      },
      {
        // flags, possibly written with dashes: allow-proxy-protocol
        GATE: () => SOCKET_FLAG_WORDS.has(name) || name === 'allow' || name === 'send',
        ALT: () => {
          this.MANY(() => {
            this.CONSUME(T.Minus);
            const part = this.CONSUME4(T.Identifier);
            flag += '_' + part.image.toLowerCase();
            last = part;
          });
        },
      },
    ]);
    return this.act(() => {
      const l = span(w, last);
      if (value === null) {
        const canonical = flag === 'allow_proxy' ? 'allow_proxy_protocol' : flag === 'send_proxy' ? 'send_proxy_protocol' : flag === 'proxy' ? 'proxy_protocol' : flag;
        if (!SOCKET_FLAG_WORDS.has(canonical)) this.note(`unknown socket option '${flag}'`, l, 'anycast, frag, reuse_port, accept_subdomain, allow_proxy_protocol, send_proxy_protocol, proxy_protocol, as, tag, use_workers, tos or use_auto_scaling_profile');
        return { name: canonical, value: null, loc: l };
      }
      return { name: name === 'use_children' ? 'use_workers' : name, value, loc: l };
    });
  });

  aliasValue = this.RULE('aliasValue', (): A.AliasValue => {
    const entries: A.AliasValue['entries'] = [];
    this.AT_LEAST_ONE({
      // the next core parameter (`name =`) ends the list
      GATE: () => this.LA(2).tokenType !== T.Equal,
      DEF: () => {
        const address = this.SUBRULE(this.socketAddress);
        let acceptSubdomain = false;
        this.OPTION({
          GATE: () => this.isWord(1, 'accept_subdomain') && this.LA(2).tokenType !== T.Equal,
          DEF: () => {
            this.CONSUME(T.Identifier);
            acceptSubdomain = true;
          },
        });
        this.act(() => {
          if (address) entries.push({ address: address.proto === 'any' ? { ...address, proto: null } : address, acceptSubdomain });
        });
      },
    });
    return this.act(() => ({
      kind: 'Alias',
      entries,
      loc: entries.length > 0 ? span(entries[0]!.address, entries[entries.length - 1]!.address) : { file: '', line: 1, column: 1, offset: 0, endOffset: 0 },
    }) as A.AliasValue);
  });

  // ------------------------------------------------------------ blacklists

  blacklistValue = this.RULE('blacklistValue', (): A.BlacklistValue => {
    const name = this.CONSUME(T.Identifier);
    const flags: string[] = [];
    const entries: A.BlacklistEntry[] = [];
    let last: Tok = name;
    this.OPTION(() => {
      this.CONSUME(T.Slash);
      this.AT_LEAST_ONE_SEP({
        SEP: T.Comma,
        DEF: () => {
          const f = this.SUBRULE(this.blacklistFlag);
          this.act(() => {
            flags.push(f.flag);
            last = f.tok;
          });
        },
      });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Colon);
      this.CONSUME(T.LBrace);
      this.MANY_SEP({
        SEP: T.Comma,
        DEF: () => {
          const e = this.SUBRULE(this.blacklistEntry);
          this.act(() => {
            if (e) entries.push(e);
          });
        },
      });
      last = this.CONSUME(T.RBrace);
    });
    return this.act(() => ({ kind: 'Blacklist', name: name.image, flags, entries, loc: span(name, last) }) as A.BlacklistValue);
  });

  blacklistFlag = this.RULE('blacklistFlag', (): { flag: string; tok: Tok } => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.Default);
          return { flag: 'default', tok: t };
        },
      },
      {
        ALT: () => {
          const a = this.CONSUME1(T.Identifier);
          let text = a.image;
          let last: Tok = a;
          this.OPTION(() => {
            this.CONSUME(T.Minus);
            last = this.CONSUME2(T.Identifier);
            text += '-' + last.image;
          });
          return this.act(() => {
            const flag = text === 'read-only' ? 'readonly' : text;
            if (flag !== 'readonly' && flag !== 'expire') this.note(`unknown blacklist flag '${text}'`, span(a, last), "'readonly', 'expire' or 'default'");
            return { flag, tok: last };
          });
        },
      },
    ]);
  });

  /** `(proto, net, port, "pattern")` with trailing parts optional, or a bare net; `!` negates. */
  blacklistEntry = this.RULE('blacklistEntry', (): A.BlacklistEntry => {
    let negated = false;
    let first: Tok | undefined;
    let last: Tok | { loc: SourceLoc } | undefined;
    let proto: string | null = null;
    let port: number | null = null;
    let pattern: A.StringLit | null = null;
    this.OPTION(() => {
      first = this.CONSUME(T.NotOp);
      negated = true;
    });
    const net = this.OR([
      {
        ALT: () => {
          const open = this.CONSUME(T.LParen);
          first ??= open;
          this.OPTION2(() => {
            const p = this.CONSUME1(T.Identifier);
            this.CONSUME1(T.Comma);
            proto = p.image.toLowerCase() === 'any' ? null : p.image.toLowerCase();
          });
          const n = this.SUBRULE1(this.ipValue);
          this.OPTION3(() => {
            this.CONSUME2(T.Comma);
            this.OR2([
              {
                ALT: () => {
                  const pt = this.CONSUME(T.NumberLiteral);
                  port = numberValue(pt.image);
                },
              },
              {
                GATE: () => this.isWord(1, 'any'),
                ALT: () => {
                  this.CONSUME2(T.Identifier);
                  port = 0;
                },
              },
            ]);
            this.OPTION4(() => {
              this.CONSUME3(T.Comma);
              pattern = this.SUBRULE(this.stringLit);
            });
          });
          last = this.CONSUME(T.RParen);
          return n;
        },
      },
      {
        ALT: () => {
          const n = this.SUBRULE2(this.ipValue);
          last = n;
          return n;
        },
      },
    ]);
    return this.act(() => ({
      negated,
      proto,
      net,
      port,
      pattern,
      loc: span(first ?? net, last ?? net),
    }));
  });

  memGroupValue = this.RULE('memGroupValue', (): A.MemGroupValue => {
    const name = this.SUBRULE1(this.stringLit);
    this.CONSUME(T.Colon);
    const toks: Tok[] = [];
    this.AT_LEAST_ONE(() => {
      toks.push(this.CONSUME(T.StringLiteral));
    });
    return this.act(() => {
      return {
        kind: 'MemGroup',
        name: name.value,
        modules: toks.map((t) => stringValue(t).value),
        loc: span(name, toks[toks.length - 1]!),
      } as A.MemGroupValue;
    });
  });

  scalingProfileValue = this.RULE('scalingProfileValue', (): A.ScalingProfileValue => {
    const name = this.CONSUME1(T.Identifier);
    this.SUBRULE1(this.word, { ARGS: [1, 'scale'] });
    this.SUBRULE2(this.word, { ARGS: [2, 'up'] });
    this.SUBRULE3(this.word, { ARGS: [3, 'to'] });
    const upN = this.CONSUME1(T.NumberLiteral);
    this.CONSUME1(T.BoolLiteral); // 'on'
    const upP = this.CONSUME2(T.NumberLiteral);
    this.CONSUME1(T.Percent);
    this.CONSUME1(T.For);
    const upC = this.CONSUME3(T.NumberLiteral);
    let last: Tok = this.SUBRULE4(this.word, { ARGS: [4, 'cycles'] });
    let within: number | null = null;
    let down: A.ScalingProfileValue['down'] = null;
    this.OPTION(() => {
      this.SUBRULE5(this.word, { ARGS: [5, 'within'] });
      last = this.CONSUME4(T.NumberLiteral);
      within = numberValue(last.image);
    });
    this.OPTION2(() => {
      this.SUBRULE6(this.word, { ARGS: [6, 'scale'] });
      this.SUBRULE7(this.word, { ARGS: [7, 'down'] });
      this.SUBRULE8(this.word, { ARGS: [8, 'to'] });
      const dN = this.CONSUME5(T.NumberLiteral);
      this.CONSUME2(T.BoolLiteral);
      const dP = this.CONSUME6(T.NumberLiteral);
      this.CONSUME2(T.Percent);
      this.CONSUME2(T.For);
      const dC = this.CONSUME7(T.NumberLiteral);
      last = this.SUBRULE9(this.word, { ARGS: [9, 'cycles'] });
      down = this.act(() => ({ processes: numberValue(dN.image), percentage: numberValue(dP.image), cycles: numberValue(dC.image) }));
    });
    return this.act(() => ({
      kind: 'ScalingProfile',
      name: name.image,
      up: { processes: numberValue(upN.image), percentage: numberValue(upP.image), cycles: numberValue(upC.image), within },
      down,
      loc: span(name, last),
    }) as A.ScalingProfileValue);
  });

  // ================================================================= routes

  routeBlock = this.RULE('routeBlock', (): A.RouteBlock => {
    let type: A.RouteType = 'request';
    let name: Tok | null = null;
    let interval: number | null = null;
    let mode: string | null = null;
    const kw = this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.Route);
          this.OPTION1(() => {
            this.CONSUME1(T.LBracket);
            name = this.SUBRULE1(this.routeName);
            this.CONSUME1(T.RBracket);
          });
          return t;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.OnReplyRoute);
          type = 'onreply';
          this.OPTION2(() => {
            this.CONSUME2(T.LBracket);
            name = this.SUBRULE2(this.routeName);
            this.CONSUME2(T.RBracket);
          });
          return t;
        },
      },
      {
        ALT: () => {
          const t = this.OR2([
            { ALT: () => { type = 'failure'; return this.CONSUME(T.FailureRoute); } },
            { ALT: () => { type = 'branch'; return this.CONSUME(T.BranchRoute); } },
          ]);
          this.CONSUME3(T.LBracket);
          name = this.SUBRULE3(this.routeName);
          this.CONSUME3(T.RBracket);
          return t;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.TimerRoute);
          type = 'timer';
          this.CONSUME4(T.LBracket);
          name = this.SUBRULE4(this.routeName);
          this.CONSUME1(T.Comma);
          const n = this.CONSUME(T.NumberLiteral);
          interval = numberValue(n.image);
          this.CONSUME4(T.RBracket);
          return t;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.EventRoute);
          type = 'event';
          this.CONSUME5(T.LBracket);
          name = this.SUBRULE5(this.routeName);
          this.OPTION3(() => {
            this.CONSUME2(T.Comma);
            const m = this.OR3([
              { ALT: () => this.CONSUME(T.Async) },
              { ALT: () => this.CONSUME(T.Identifier) },
            ]);
            this.act(() => {
              mode = m.image;
              if (m.image !== 'sync' && m.image !== 'async') this.note(`unknown event_route mode '${m.image}'`, loc(m), "'sync' or 'async'");
            });
          });
          this.CONSUME5(T.RBracket);
          return t;
        },
      },
      { ALT: () => { type = 'local'; return this.CONSUME(T.LocalRoute); } },
      { ALT: () => { type = 'startup'; return this.CONSUME(T.StartupRoute); } },
      { ALT: () => { type = 'error'; return this.CONSUME(T.ErrorRoute); } },
    ]);
    const body = this.SUBRULE(this.block);
    return this.act(() => {
      const n = name as Tok | null;
      return {
        kind: 'Route',
        type,
        name: n === null ? null : routeNameText(n),
        nameLoc: n === null ? null : loc(n),
        interval,
        mode,
        body: body.body,
        loc: span(kw, body),
      } as A.RouteBlock;
    });
  });

  /** Route names are bare words, numbers or strings. */
  routeName = this.RULE('routeName', (): Tok => {
    return this.OR({
      ERR_MSG: 'a route name (a name, a number or a string)',
      DEF: [
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.NumberLiteral) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
      ],
    });
  });

  block = this.RULE('block', (): A.BlockStmt => {
    const open = this.CONSUME(T.LBrace);
    const body: A.Stmt[] = [];
    this.MANY(() => {
      const s = this.SUBRULE(this.statement);
      this.act(() => {
        if (s) body.push(s);
      });
    });
    const close = this.CONSUME(T.RBrace);
    return this.act(() => ({ kind: 'Block', body, loc: span(open, close) }) as A.BlockStmt);
  });

  // ============================================================= statements

  /** A statement; `null` for the empty statement `;` (also the `;` after a block). */
  // The alternatives of the busiest ORs are built once, not on every call (chevrotain's
  // advice): their ALT functions use no local of the rule invocation, only `this`.
  private statementAlts?: Array<IOrAlt<A.Stmt | null>>;
  private simpleStmtAlts?: Array<IOrAlt<A.Stmt>>;
  private unaryAlts?: Array<IOrAlt<A.Expr>>;
  private primaryAlts?: OrMethodOpts<A.Expr>;

  statement = this.RULE('statement', (): A.Stmt | null => {
    return this.OR<A.Stmt | null>(this.statementAlts ??= [
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.switchStmt) },
      { ALT: () => this.SUBRULE(this.whileStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.block) },
      { ALT: () => this.SUBRULE(this.simpleStmt) },
      {
        ALT: () => {
          this.CONSUME(T.Semicolon);
          return null;
        },
      },
    ]);
  });

  /** Statements that end with ';'. */
  simpleStmt = this.RULE('simpleStmt', (): A.Stmt => {
    const s = this.OR<A.Stmt>(this.simpleStmtAlts ??= [
      { ALT: () => this.SUBRULE(this.assignStmt) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.SUBRULE(this.asyncStmt) },
      { ALT: () => this.SUBRULE(this.launchStmt) },
      {
        ALT: () => {
          const t = this.CONSUME(T.Exit);
          let last: Tok = t;
          this.OPTION1(() => {
            this.CONSUME1(T.LParen);
            last = this.CONSUME1(T.RParen);
          });
          return this.act(() => ({ kind: 'Exit', loc: span(t, last) }) as A.ExitStmt);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.Drop);
          let last: Tok = t;
          this.OPTION2(() => {
            this.CONSUME2(T.LParen);
            last = this.CONSUME2(T.RParen);
          });
          return this.act(() => ({ kind: 'Drop', loc: span(t, last) }) as A.DropStmt);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.Break);
          return this.act(() => ({ kind: 'Break', loc: loc(t) }) as A.BreakStmt);
        },
      },
      {
        ALT: () => {
          const call = this.OR2<A.CallExpr | A.RouteCallExpr>([
            { ALT: () => this.SUBRULE(this.callExpr) },
            { ALT: () => this.SUBRULE(this.routeCall) },
          ]);
          return this.act(() => ({ kind: 'ExprStmt', expr: call, loc: call.loc }) as A.ExprStmt);
        },
      },
    ]);
    const semi = this.CONSUME(T.Semicolon);
    return this.act(() => (s ? { ...s, loc: span(s, semi) } : s));
  });

  assignStmt = this.RULE('assignStmt', (): A.AssignStmt => {
    const target = this.CONSUME(T.Pvar);
    const opTok = this.CONSUME(T.AssignOp);
    const value = this.SUBRULE(this.expression);
    return this.act(() => ({
      kind: 'Assign',
      target: { kind: 'Pvar', raw: target.image, loc: loc(target) },
      op: opTok.image as A.AssignOp,
      value,
      loc: span(target, value),
    }) as A.AssignStmt);
  });

  returnStmt = this.RULE('returnStmt', (): A.ReturnStmt => {
    const kw = this.CONSUME(T.Return);
    let value: A.Expr | null = null;
    const extra: A.Expr[] = [];
    let last: Tok | { loc: SourceLoc } = kw;
    this.OPTION(() => {
      this.OR([
        {
          // return(v, extra...) -- parenthesised list; return() is a bare return
          GATE: () => this.LA(1).tokenType === T.LParen,
          ALT: () => {
            this.CONSUME(T.LParen);
            this.OPTION2(() => {
              value = this.SUBRULE1(this.expression);
            });
            this.MANY(() => {
              this.CONSUME(T.Comma);
              extra.push(this.SUBRULE2(this.expression));
            });
            last = this.CONSUME(T.RParen);
          },
        },
        {
          ALT: () => {
            const v = this.SUBRULE3(this.expression);
            value = v;
            last = v;
          },
        },
      ], );
    });
    return this.act(() => ({ kind: 'Return', value, extra, loc: span(kw, last) }) as A.ReturnStmt);
  });

  asyncStmt = this.RULE('asyncStmt', (): A.AsyncStmt => {
    const kw = this.CONSUME(T.Async);
    this.CONSUME(T.LParen);
    const call = this.SUBRULE(this.callExpr);
    this.CONSUME1(T.Comma);
    const route = this.SUBRULE(this.routeName);
    let timeout: A.NumberLit | null = null;
    this.OPTION(() => {
      this.CONSUME2(T.Comma);
      const n = this.CONSUME(T.NumberLiteral);
      timeout = this.act(() => ({ kind: 'Number', value: numberValue(n.image), raw: n.image, loc: loc(n) }) as A.NumberLit);
    });
    const end = this.CONSUME(T.RParen);
    return this.act(() => ({
      kind: 'Async',
      call,
      resumeRoute: routeNameText(route),
      resumeRouteLoc: loc(route),
      timeout,
      loc: span(kw, end),
    }) as A.AsyncStmt);
  });

  launchStmt = this.RULE('launchStmt', (): A.LaunchStmt => {
    const kw = this.CONSUME(T.Launch);
    this.CONSUME(T.LParen);
    const call = this.SUBRULE(this.callExpr);
    let route: Tok | null = null;
    let param: A.StringLit | null = null;
    this.OPTION(() => {
      this.CONSUME1(T.Comma);
      route = this.SUBRULE(this.routeName);
      this.OPTION2(() => {
        this.CONSUME2(T.Comma);
        param = this.SUBRULE(this.stringLit);
      });
    });
    const end = this.CONSUME(T.RParen);
    return this.act(() => {
      const r = route as Tok | null;
      return {
        kind: 'Launch',
        call,
        reportRoute: r === null ? null : routeNameText(r),
        reportRouteLoc: r === null ? null : loc(r),
        reportParam: param,
        loc: span(kw, end),
      } as A.LaunchStmt;
    });
  });

  ifStmt = this.RULE('ifStmt', (): A.IfStmt => {
    const kw = this.CONSUME(T.If);
    this.CONSUME(T.LParen);
    const cond = this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
    const then = this.SUBRULE1(this.bodyStatement);
    let elseStmt: A.Stmt | null = null;
    // `else` binds to the nearest `if` (OPTION is greedy).
    this.OPTION(() => {
      this.CONSUME(T.Else);
      elseStmt = this.SUBRULE2(this.bodyStatement);
    });
    return this.act(() => ({
      kind: 'If',
      cond,
      then,
      else: elseStmt,
      loc: span(kw, elseStmt ?? then),
    }) as A.IfStmt);
  });

  /** Body of if/else/while/for: any statement; a lone `;` becomes an empty block. */
  bodyStatement = this.RULE('bodyStatement', (): A.Stmt => {
    const start = this.LA(1);
    const s = this.SUBRULE(this.statement);
    return this.act(() => s ?? ({ kind: 'Block', body: [], loc: loc(start) } as A.BlockStmt));
  });

  whileStmt = this.RULE('whileStmt', (): A.WhileStmt => {
    const kw = this.CONSUME(T.While);
    this.CONSUME(T.LParen);
    const cond = this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
    const body = this.SUBRULE(this.bodyStatement);
    return this.act(() => ({ kind: 'While', cond, body, loc: span(kw, body) }) as A.WhileStmt);
  });

  forStmt = this.RULE('forStmt', (): A.ForEachStmt => {
    const kw = this.CONSUME(T.For);
    this.CONSUME(T.LParen);
    const v = this.CONSUME1(T.Pvar);
    this.CONSUME(T.In);
    const it = this.CONSUME2(T.Pvar);
    this.CONSUME(T.RParen);
    const body = this.SUBRULE(this.bodyStatement);
    return this.act(() => ({
      kind: 'ForEach',
      variable: { kind: 'Pvar', raw: v.image, loc: loc(v) },
      iterable: { kind: 'Pvar', raw: it.image, loc: loc(it) },
      body,
      loc: span(kw, body),
    }) as A.ForEachStmt);
  });

  switchStmt = this.RULE('switchStmt', (): A.SwitchStmt => {
    const kw = this.CONSUME(T.Switch);
    this.CONSUME(T.LParen);
    const subject = this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
    this.CONSUME(T.LBrace);
    const cases: A.SwitchCase[] = [];
    this.MANY(() => {
      const c = this.SUBRULE(this.switchCase);
      this.act(() => {
        if (c) cases.push(c);
      });
    });
    const end = this.CONSUME(T.RBrace);
    return this.act(() => {
      // OpenSIPS takes at most one `default`, and only as the last label.
      const defaults = cases.filter((c) => c.label === null);
      if (defaults.length > 1) this.note("a switch has more than one 'default'", defaults[1]!.loc, "a single 'default:' as the last label");
      else if (defaults.length === 1 && cases[cases.length - 1]!.label !== null) this.note("'default' must be the last label of a switch", defaults[0]!.loc, "the 'case' labels first, then 'default:'");
      return { kind: 'Switch', subject, cases, loc: span(kw, end) } as A.SwitchStmt;
    });
  });

  switchCase = this.RULE('switchCase', (): A.SwitchCase => {
    let label: A.NumberLit | A.StringLit | null = null;
    const kw = this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.Case);
          label = this.OR2<A.NumberLit | A.StringLit>({
            ERR_MSG: 'a number or a string (case labels are constants)',
            DEF: [
              { ALT: () => this.SUBRULE(this.signedNumber) },
              { ALT: () => this.SUBRULE(this.stringLit) },
            ],
          });
          return t;
        },
      },
      { ALT: () => this.CONSUME(T.Default) },
    ]);
    const colon = this.CONSUME(T.Colon);
    const body: A.Stmt[] = [];
    this.MANY(() => {
      const s = this.SUBRULE(this.statement);
      this.act(() => {
        if (s) body.push(s);
      });
    });
    return this.act(() => ({
      label,
      body,
      loc: body.length > 0 ? span(kw, body[body.length - 1]!) : span(kw, colon),
    }));
  });

  // ============================================================ expressions

  expression = this.RULE('expression', (): A.Expr => {
    let left = this.SUBRULE1(this.notExpr);
    this.MANY(() => {
      const op = this.CONSUME(T.LogicOp);
      const right = this.SUBRULE2(this.notExpr);
      left = this.act(() => binary(op, left, right));
    });
    return left;
  });

  notExpr = this.RULE('notExpr', (): A.Expr => {
    return this.OR([
      {
        ALT: () => {
          const op = this.CONSUME(T.NotOp);
          const operand = this.SUBRULE(this.notExpr);
          return this.act(() => ({ kind: 'Unary', op: '!', operand, loc: span(op, operand) }) as A.UnaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  comparison = this.RULE('comparison', (): A.Expr => {
    let left = this.SUBRULE1(this.bitExpr);
    this.OPTION(() => {
      const op = this.CONSUME(T.CompareOp);
      const right = this.SUBRULE2(this.bitExpr);
      left = this.act(() => binary(op, left, right));
    });
    return left;
  });

  bitExpr = this.RULE('bitExpr', (): A.Expr => {
    let left = this.SUBRULE1(this.arithExpr);
    this.MANY(() => {
      const op = this.CONSUME(T.BitOp);
      const right = this.SUBRULE2(this.arithExpr);
      left = this.act(() => binary(op, left, right));
    });
    return left;
  });

  arithExpr = this.RULE('arithExpr', (): A.Expr => {
    let left = this.SUBRULE1(this.unaryExpr);
    this.MANY(() => {
      const op = this.CONSUME(T.ArithOp);
      const right = this.SUBRULE2(this.unaryExpr);
      left = this.act(() => binary(op, left, right));
    });
    return left;
  });

  unaryExpr = this.RULE('unaryExpr', (): A.Expr => {
    return this.OR(this.unaryAlts ??= [
      {
        ALT: () => {
          const op = this.OR2([{ ALT: () => this.CONSUME(T.Minus) }, { ALT: () => this.CONSUME(T.Plus) }]);
          const operand = this.SUBRULE1(this.unaryExpr);
          return this.act((): A.Expr => {
            if (op.image === '+') return operand;
            // -5 is a negative number literal, as OpenSIPS's snumber
            if (operand.kind === 'Number' && !operand.raw.startsWith('-')) {
              return { kind: 'Number', value: -operand.value, raw: '-' + operand.raw, loc: span(op, operand) };
            }
            return { kind: 'Unary', op: '-', operand, loc: span(op, operand) };
          });
        },
      },
      {
        ALT: () => {
          const op = this.CONSUME(T.Tilde);
          const operand = this.SUBRULE2(this.unaryExpr);
          return this.act(() => ({ kind: 'Unary', op: '~', operand, loc: span(op, operand) }) as A.UnaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  primary = this.RULE('primary', (): A.Expr => {
    // Two tokens tell a call `f(` from a bare name `f`; everything else needs one.
    return this.OR<A.Expr>(this.primaryAlts ??= {
      MAX_LOOKAHEAD: 2,
      ERR_MSG: 'an expression (a pseudo-variable, number, string, NULL, function call or parenthesis)',
      DEF: [
        { ALT: () => this.SUBRULE(this.numberLit) },
        { ALT: () => this.SUBRULE(this.stringLit) },
        {
          ALT: () => {
            const t = this.CONSUME(T.Pvar);
            return this.act(() => ({ kind: 'Pvar', raw: t.image, loc: loc(t) }) as A.Pvar);
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.Null);
            return this.act(() => ({ kind: 'Null', loc: loc(t) }) as A.NullLit);
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.IpLiteral);
            return this.act(() => ipLiteral(t.image, loc(t)));
          },
        },
        { ALT: () => this.SUBRULE(this.callExpr) },
        { ALT: () => this.SUBRULE(this.routeCall) },
        {
          ALT: () => {
            const t = this.CONSUME(T.Identifier);
            return this.act(() => ({ kind: 'Ident', name: t.image, loc: loc(t) }) as A.Ident);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            const e = this.SUBRULE1(this.expression);
            this.CONSUME(T.RParen);
            return e;
          },
        },
        {
          // OpenSIPS's `[ arithmetic ]` in conditions; also `[::1]`
          ALT: () => {
            const open = this.CONSUME(T.LBracket);
            const e = this.SUBRULE2(this.expression);
            const close = this.CONSUME(T.RBracket);
            return this.act(() => (e.kind === 'Ip' ? { ...e, loc: span(open, close) } : e));
          },
        },
      ],
    });
  });

  callExpr = this.RULE('callExpr', (): A.CallExpr => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    const args: Array<A.Expr | A.OmittedArg> = [];
    let cur: A.Expr | undefined;
    this.OPTION1(() => {
      cur = this.SUBRULE1(this.expression);
    });
    this.MANY(() => {
      const comma = this.CONSUME(T.Comma);
      this.act(() => {
        args.push(cur ?? ({ kind: 'Omitted', loc: loc(comma) } as A.OmittedArg));
        cur = undefined;
      });
      this.OPTION2(() => {
        cur = this.SUBRULE2(this.expression);
      });
    });
    const end = this.CONSUME(T.RParen);
    return this.act(() => {
      if (cur !== undefined) args.push(cur);
      else if (args.length > 0) args.push({ kind: 'Omitted', loc: loc(end) });
      return { kind: 'Call', name: name.image, nameLoc: loc(name), args, loc: span(name, end) } as A.CallExpr;
    });
  });

  routeCall = this.RULE('routeCall', (): A.RouteCallExpr => {
    const kw = this.CONSUME(T.Route);
    this.CONSUME(T.LParen);
    const name = this.OR<Tok>([
      { ALT: () => this.SUBRULE(this.routeName) },
      { ALT: () => this.CONSUME(T.Pvar) },
    ]);
    const args: A.Expr[] = [];
    this.MANY(() => {
      this.CONSUME(T.Comma);
      args.push(this.SUBRULE(this.expression));
    });
    const end = this.CONSUME(T.RParen);
    return this.act(() => ({
      kind: 'RouteCall',
      name: name.tokenType === T.Pvar ? ({ kind: 'Pvar', raw: name.image, loc: loc(name) } as A.Pvar) : routeNameText(name),
      nameLoc: loc(name),
      args,
      loc: span(kw, end),
    }) as A.RouteCallExpr);
  });

  // ================================================================ literals

  numberLit = this.RULE('numberLit', (): A.NumberLit => {
    const t = this.OR([{ ALT: () => this.CONSUME(T.NumberLiteral) }, { ALT: () => this.CONSUME(T.BoolLiteral) }]);
    return this.act(() => ({ kind: 'Number', value: numberValue(t.image), raw: t.image, loc: loc(t) }) as A.NumberLit);
  });

  signedNumber = this.RULE('signedNumber', (): A.NumberLit => {
    let sign: Tok | undefined;
    this.OPTION(() => {
      sign = this.OR([{ ALT: () => this.CONSUME(T.Minus) }, { ALT: () => this.CONSUME(T.Plus) }]);
    });
    const n = this.SUBRULE(this.numberLit);
    return this.act(() => {
      if (sign === undefined) return n;
      const neg = sign.image === '-';
      return { kind: 'Number', value: neg ? -n.value : n.value, raw: sign.image + n.raw, loc: span(sign, n) } as A.NumberLit;
    });
  });

  /** One or more adjacent string literals, joined ("a" "b" is "ab", as OpenSIPS folds them). */
  stringLit = this.RULE('stringLit', (): A.StringLit => {
    const parts: Tok[] = [];
    this.AT_LEAST_ONE(() => {
      parts.push(this.CONSUME(T.StringLiteral));
    });
    return this.act(() => {
      const first = stringValue(parts[0]!);
      let value = first.value;
      for (let i = 1; i < parts.length; i++) value += stringValue(parts[i]!).value;
      return { kind: 'String', value, quote: first.quote, loc: span(parts[0]!, parts[parts.length - 1]!) } as A.StringLit;
    });
  });

  /** Consumes an identifier that must be one of `words` (contextual keywords such as `scale`, `cycles`). */
  private word = this.RULE('word', (idx: number, ...words: string[]) => {
    const t = this.CONSUME(T.Identifier);
    this.act(() => {
      if (!words.includes(t.image.toLowerCase())) {
        this.note(`unexpected '${t.image}'`, loc(t), words.map((w) => `'${w}'`).join(' or '));
      }
    });
    void idx;
    return t;
  });
}

function binary(op: Tok, left: A.Expr, right: A.Expr): A.BinaryExpr {
  return { kind: 'Binary', op: BIN_OPS[op.image]!, left, right, opLoc: loc(op), loc: span(left, right) };
}

function routeNameText(t: Tok): string {
  return t.tokenType === T.StringLiteral ? stringValue(t).value : t.image;
}

let instance: ScriptParser | undefined;
let quickInstance: ScriptParser | undefined;

/** The shared parser, with error recovery (grammar analysis runs once, on first use). */
export function sharedParser(): ScriptParser {
  instance ??= new ScriptParser();
  return instance;
}

/**
 * A second shared parser without error recovery, for the first attempt at every text:
 * recovery bookkeeping runs after every repetition even when nothing is wrong, and most
 * scripts have no error. A text that fails is parsed again by {@link sharedParser},
 * which reports every error; for a valid text both build the same tree.
 */
export function quickParser(): ScriptParser {
  quickInstance ??= new ScriptParser({ recovery: false });
  return quickInstance;
}

export type { ScriptToken, TokenType };
