import { ScriptTestKit } from './testkit';
import { testRegistry } from './fixtures/test-modules';

const INVITE = `
INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@example.com>
From: Alice <sip:alice@example.org>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.10>
User-Agent: friendly-scanner
Content-Length: 0
`;

describe('smoke', () => {
  it('runs a route', async () => {
    const kit = ScriptTestKit.fromText(`
loadmodule "sl.so"
route {
  $var(x) = "a" + $rU;
  if ($ua =~ "FRIENDLY") { xlog("L_WARN", "scanner $si $var(x)\\n"); sl_send_reply(403, "Forbidden"); exit; }
}
`, testRegistry());
    const out = await kit.run(INVITE);
    expect(out.replies).toEqual([{ status: 403, reason: 'Forbidden' }]);
    expect(out.vars).toEqual({ x: 'abob' });
    expect(out.logs).toEqual([{ level: 1, levelName: 'L_WARN', text: 'scanner 192.0.2.10 abob\n' }]);
    expect(out.end).toBe('exit');
  });
});
