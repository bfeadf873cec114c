import fc from 'fast-check';
import { parseMessage } from '@tsips/sip';
import { sipmsgops } from './index';
import { textops } from '../textops';
import { createRr } from '../rr';
import { createMaxfwd } from '../maxfwd';
import { kitFor, wire } from './kit.test-support';

const MSG = `
INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds
Max-Forwards: 70
Route: <sip:198.51.100.1;lr>, <sip:p2.example.net;lr>
To: Bob <sip:bob@example.com>;tag=x
From: Alice <sip:alice@example.org>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 314159 INVITE
Supported: timer
Content-Type: application/sdp
Content-Length: 3

v=0
`;

// Every function gets the same script-supplied text; whatever it is, nothing may throw and
// the message must still serialize to something the parser accepts.
const SCRIPT = `
loadmodule "sipmsgops.so"
loadmodule "textops.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
route {
  $var(t) = $param(1);
  mf_process_maxfwd_header(10);
  is_method($var(t)); is_present_hf($var(t)); remove_hf($var(t));
  append_hf($var(t)); insert_hf($var(t)); append_hf("X-A: 1\\r\\n", $var(t)); append_to_reply($var(t));
  ruri_has_param($var(t)); ruri_add_param($var(t)); ruri_del_param($var(t)); is_uri_user_e164($var(t));
  list_hdr_has_option($var(t), $var(t)); list_hdr_add_option("Supported", $var(t)); list_hdr_remove_option("Supported", $var(t));
  has_body($var(t)); codec_exists($var(t)); codec_delete($var(t)); codec_move_up($var(t));
  loose_route(); add_rr_param($var(t)); record_route($var(t)); add_rr_param(";x=1");
  replace("Call-ID", $var(t)); search_append("^To:", $var(t)); replace_body("v=0", $var(t));
  sipmsg_validate("shmrftc", $var(r));
}
`;

describe('robustness of the basics against script-supplied text', () => {
  it('never throws and keeps the message parsable', async () => {
    const kit = kitFor(SCRIPT, sipmsgops, textops, createRr(), createMaxfwd());
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('X: y\r\n', '\r\n', ':', 'a\rb: c', ';lr', '=', 'Route', 'INVITE|BYE')), async (t) => {
        const out = await kit.run(MSG, { params: [t] });
        // The compiler turns an exception escaping a function into a "NAME() failed" log line.
        expect(out.logs.filter((l) => l.text.includes('() failed')).map((l) => l.text)).toEqual([]);
        expect(() => parseMessage(Buffer.from(wire(out.ctx), 'utf8'))).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
