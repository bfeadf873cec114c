import { chain, tr } from './test-helpers';

describe('uri.*', () => {
  const u = 'sip:alice:secret@example.com:5061;transport=tcp;lr;maddr=10.0.0.1;ttl=5;user=phone;method=INVITE;r2=on;x=Y?subject=hi&priority=urgent';
  it('extracts every member', () => {
    expect(tr('uri.user', u)).toBe('alice');
    expect(tr('uri.passwd', u)).toBe('secret');
    expect(tr('uri.host', u)).toBe('example.com');
    expect(tr('uri.domain', u)).toBe('example.com');
    expect(tr('uri.port', u)).toBe(5061);
    expect(tr('uri.params', u)).toBe('transport=tcp;lr;maddr=10.0.0.1;ttl=5;user=phone;method=INVITE;r2=on;x=Y');
    expect(tr('uri.headers', u)).toBe('subject=hi&priority=urgent');
    expect(tr('uri.transport', u)).toBe('tcp');
    expect(tr('uri.maddr', u)).toBe('10.0.0.1');
    expect(tr('uri.ttl', u)).toBe('5');
    expect(tr('uri.uparam', u)).toBe('phone');
    expect(tr('uri.method', u)).toBe('INVITE');
    expect(tr('uri.r2', u)).toBe('on');
    expect(tr('uri.schema', u)).toBe('sip');
    expect(tr('uri.param', u, 'x')).toBe('Y');
    expect(tr('uri.param', u, 'X')).toBe('Y');
    expect(tr('uri.param', u, 'lr')).toBe('');
    expect(tr('uri.param', u, 'nope')).toBeNull();
  });
  it('absent parts are NULL; ;lr without a value is NULL for uri.lr as in OpenSIPS', () => {
    const s = 'sip:example.com;lr';
    expect(tr('uri.user', s)).toBeNull();
    expect(tr('uri.passwd', s)).toBeNull();
    expect(tr('uri.port', s)).toBeNull();
    expect(tr('uri.headers', s)).toBeNull();
    expect(tr('uri.transport', s)).toBeNull();
    expect(tr('uri.lr', s)).toBeNull();
    expect(tr('uri.lr', 'sip:example.com;lr=on')).toBe('on');
    expect(tr('uri.params', 'sip:bob@example.com')).toBeNull();
    expect(tr('uri.param', 'sip:bob@example.com', 'lr')).toBeNull();
  });
  it('handles sips, IPv6 hosts and tel URIs', () => {
    expect(tr('uri.schema', 'sips:bob@example.com')).toBe('sips');
    expect(tr('uri.host', 'sip:bob@[2001:db8::1]:5060;transport=udp')).toBe('[2001:db8::1]');
    expect(tr('uri.params', 'sip:bob@[2001:db8::1]:5060;transport=udp')).toBe('transport=udp');
    expect(tr('uri.port', 'sip:bob@[2001:db8::1]:5060;transport=udp')).toBe(5060);
    expect(tr('uri.user', 'tel:+1-201-555-0123;phone-context=example.com')).toBe('+1-201-555-0123');
    expect(tr('uri.schema', 'tel:+1-201-555-0123')).toBe('tel');
    expect(tr('uri.host', 'tel:+1-201-555-0123')).toBeNull();
    expect(tr('uri.param', 'tel:+1-201-555-0123;phone-context=example.com', 'phone-context')).toBe('example.com');
  });
  it('a user part holding ;params is not mistaken for URI params', () => {
    expect(tr('uri.user', 'sip:a;b=c@example.com;lr')).toBe('a;b=c');
    expect(tr('uri.params', 'sip:a;b=c@example.com;lr')).toBe('lr');
  });
  it('non-URIs, empty input and NULL give NULL', () => {
    expect(tr('uri.user', 'not a uri')).toBeNull();
    expect(tr('uri.host', 'http://example.com/')).toBeNull();
    expect(tr('uri.host', '')).toBeNull();
    expect(tr('uri.host', null)).toBeNull();
    expect(tr('uri.port', 5060)).toBeNull();
  });
  it('chains', () => {
    expect(chain('$(var(x){uri.user}{s.toupper})', 'sip:alice@example.com')).toBe('ALICE');
    expect(chain('$(var(x){uri.param,$var(p)})', 'sip:a@b;foo=bar', { '$var(p)': 'foo' })).toBe('bar');
  });
});

describe('nameaddr.*', () => {
  const one = '"Alice Smith" <sip:alice@example.com;transport=tcp>;tag=abc123;expires=60';
  it('extracts display name (quotes kept), URI, params and length', () => {
    expect(tr('nameaddr.name', one)).toBe('"Alice Smith"');
    expect(tr('nameaddr.uri', one)).toBe('sip:alice@example.com;transport=tcp');
    expect(tr('nameaddr.param', one, 'tag')).toBe('abc123');
    expect(tr('nameaddr.param', one, 'TAG')).toBeNull(); // matched case-sensitively, as OpenSIPS
    expect(tr('nameaddr.param', one, 'none')).toBeNull();
    expect(tr('nameaddr.params', one)).toBe('tag=abc123;expires=60');
    expect(tr('nameaddr.len', one)).toBe(one.length);
  });
  it('works with unquoted names, bare addr-specs and no params', () => {
    expect(tr('nameaddr.name', 'Bob <sip:bob@b.example>')).toBe('Bob');
    expect(tr('nameaddr.name', '<sip:bob@b.example>')).toBeNull();
    expect(tr('nameaddr.uri', 'sip:bob@b.example;tag=1')).toBe('sip:bob@b.example');
    expect(tr('nameaddr.param', 'sip:bob@b.example;tag=1', 'tag')).toBe('1');
    expect(tr('nameaddr.params', '<sip:bob@b.example>')).toBeNull();
  });
  it('selects a body of a list with the dotted index', () => {
    const list = '"first" <sip:first@opensips.org>, "second" <sip:second@opensips.org>;x=1';
    expect(chain('$(var(x){nameaddr.0.name})', list)).toBe('"first"');
    expect(chain('$(var(x){nameaddr.1.name})', list)).toBe('"second"');
    expect(chain('$(var(x){nameaddr.-1.uri})', list)).toBe('sip:second@opensips.org');
    expect(chain('$(var(x){nameaddr.2.uri})', list)).toBeNull();
    expect(chain('$(var(x){nameaddr.-3.uri})', list)).toBeNull();
    expect(chain('$(var(x){nameaddr.$var(i).param,x})', list, { '$var(i)': 1 })).toBe('1');
    expect(chain('$(var(x){nameaddr.uri})', list)).toBe('sip:first@opensips.org');
  });
  it('bad input, empty and NULL give NULL', () => {
    expect(tr('nameaddr.uri', '<sip:broken')).toBeNull();
    expect(tr('nameaddr.uri', '')).toBeNull();
    expect(tr('nameaddr.uri', null)).toBeNull();
  });
  it('chains with uri.* (the $ct loop of the talk)', () => {
    expect(chain('$(var(x){nameaddr.uri}{uri.host})', '<sip:u@10.0.0.7:5060>;expires=3600')).toBe('10.0.0.7');
  });
});

describe('via.*', () => {
  const v = 'SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK776;received=1.2.3.4;rport=5070;x';
  it('extracts members', () => {
    expect(tr('via.name', v)).toBe('SIP');
    expect(tr('via.version', v)).toBe('2.0');
    expect(tr('via.transport', v)).toBe('UDP');
    expect(tr('via.host', v)).toBe('10.0.0.1');
    expect(tr('via.port', v)).toBe(5062);
    expect(tr('via.params', v)).toBe('branch=z9hG4bK776;received=1.2.3.4;rport=5070;x');
    expect(tr('via.branch', v)).toBe('z9hG4bK776');
    expect(tr('via.received', v)).toBe('1.2.3.4');
    expect(tr('via.rport', v)).toBe('5070');
    expect(tr('via.param', v, 'x')).toBe('');
    expect(tr('via.param', v, 'RECEIVED')).toBe('1.2.3.4');
    expect(tr('via.param', v, 'none')).toBeNull();
  });
  it('absent parts and bad input are NULL', () => {
    const s = 'SIP/2.0/TCP example.com;rport';
    expect(tr('via.port', s)).toBeNull();
    expect(tr('via.rport', s)).toBeNull();
    expect(tr('via.param', s, 'rport')).toBe('');
    expect(tr('via.received', s)).toBeNull();
    expect(tr('via.host', 'garbage')).toBeNull();
    expect(tr('via.host', 'ab')).toBeNull();
    expect(tr('via.host', null)).toBeNull();
    expect(chain('$(var(x){via.host})', 'SIP/2.0/UDP a.example, SIP/2.0/UDP b.example')).toBe('a.example');
  });
});
