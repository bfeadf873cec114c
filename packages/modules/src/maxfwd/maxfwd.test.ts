import { createMaxfwd } from './index';
import { kitFor, wire } from '../sipmsgops/kit.test-support';

const request = (maxForwards: string | null) => `
OPTIONS sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds
${maxForwards === null ? '' : `Max-Forwards: ${maxForwards}\n`}To: <sip:bob@example.com>
From: <sip:alice@example.org>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 1 OPTIONS
Content-Length: 0
`;

const SCRIPT = `
loadmodule "sl.so"
loadmodule "maxfwd.so"
route {
  if (!mf_process_maxfwd_header(10)) {
    $var(rc) = $rc;
    if ($var(rc) == -1) sl_send_reply(483, "Too Many Hops");
    exit;
  }
  $var(rc) = $rc;
  is_maxfwd_lt(5);
  $var(lt) = $rc;
}
`;

describe('mf_process_maxfwd_header', () => {
  it('decrements a present header (1) and is_maxfwd_lt sees the new value', async () => {
    const out = await kitFor(SCRIPT, createMaxfwd()).run(request('70'));
    expect(out.vars).toEqual({ rc: 1, lt: -1 });
    expect(wire(out.ctx)).toMatch(/\r\nMax-Forwards: 69\r\n/);
    expect(wire(out.ctx).match(/Max-Forwards/g)).toHaveLength(1);
  });

  it('adds the header with the given value when missing (2)', async () => {
    const out = await kitFor(SCRIPT, createMaxfwd()).run(request(null));
    expect(out.vars.rc).toBe(2);
    // As in OpenSIPS, a header this module added is not "present" for is_maxfwd_lt.
    expect(out.vars.lt).toBe(-2);
    expect(wire(out.ctx)).toMatch(/^OPTIONS sip:bob@example.com SIP\/2.0\r\nMax-Forwards: 10\r\nVia:/);
  });

  it('returns -1 at zero and the script answers 483; the message is unchanged', async () => {
    const out = await kitFor(SCRIPT, createMaxfwd()).run(request('0'));
    expect(out.vars).toEqual({ rc: -1 });
    expect(out.replies).toEqual([{ status: 483, reason: 'Too Many Hops' }]);
    expect(wire(out.ctx)).toContain('Max-Forwards: 0\r\n');
  });

  it('returns -2 for a value that is not a number and sends nothing', async () => {
    const out = await kitFor(SCRIPT, createMaxfwd()).run(request('ten'));
    expect(out.vars).toEqual({ rc: -2 });
    expect(out.replies).toEqual([]);
    expect(out.logs.some((l) => l.text.includes("unable to parse the Max-Forwards value 'ten'"))).toBe(true);
  });

  it('caps the decremented value at max_limit', async () => {
    const kit = kitFor(`loadmodule "maxfwd.so"\nmodparam("maxfwd", "max_limit", 16)\n${SCRIPT.replace('loadmodule "maxfwd.so"', '')}`, createMaxfwd());
    const out = await kit.run(request('70'));
    expect(out.vars.rc).toBe(1);
    expect(wire(out.ctx)).toContain('Max-Forwards: 16\r\n');
  });

  it('refuses a default above max_limit given through a variable (-2)', async () => {
    const kit = kitFor(`loadmodule "maxfwd.so"\nmodparam("maxfwd", "max_limit", 16)\nroute { $var(m) = 20; mf_process_maxfwd_header($var(m)); $var(rc) = $rc; }`, createMaxfwd());
    const out = await kit.run(request(null));
    expect(out.vars.rc).toBe(-2);
    expect(wire(out.ctx)).not.toContain('Max-Forwards');
  });

  it('refuses an out-of-range literal at load', () => {
    expect(() => kitFor('loadmodule "maxfwd.so"\nroute { mf_process_maxfwd_header(300); }', createMaxfwd())).toThrow(/out of range \(1\.\.256\)/);
  });
});

describe('is_maxfwd_lt', () => {
  const lt = `loadmodule "maxfwd.so"\nroute { is_maxfwd_lt(5); $var(rc) = $rc; }`;
  it.each([
    ['4', 1],
    ['5', -1],
    ['70', -1],
    [null, -2],
    ['x1', -3],
  ])('Max-Forwards %s -> %d', async (mf, rc) => {
    const out = await kitFor(lt, createMaxfwd()).run(request(mf));
    expect(out.vars.rc).toBe(rc);
  });
});
