import { sipmsgops } from './index';
import { kitFor, wire } from './kit.test-support';

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 4000 RTP/AVP 0 8 18 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'm=video 4002 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  '',
].join('\r\n');

const invite = (sdp: string) => [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: <sip:bob@example.com>',
  'From: <sip:alice@example.org>;tag=1',
  'Call-ID: c1',
  'CSeq: 1 INVITE',
  'Content-Type: application/sdp',
  `Content-Length: ${sdp.length}`,
  '',
  sdp,
].join('\r\n');

async function run(body: string, sdp = SDP) {
  const out = await kitFor(`loadmodule "sipmsgops.so"\nroute {\n${body}\n}`, sipmsgops).run(invite(sdp));
  const text = wire(out.ctx);
  const newSdp = text.slice(text.indexOf('\r\n\r\n') + 4);
  const cl = Number(/Content-Length: (\d+)/.exec(text)![1]);
  expect(cl).toBe(newSdp.length);
  return { vars: out.vars, sdp: newSdp };
}

describe('codec_*', () => {
  it('codec_exists knows static payload types and rtpmap names, any case, optional clock', async () => {
    const { vars } = await run(`
      if (codec_exists("pcma")) $var(a) = 1;
      if (codec_exists("G729", "8000")) $var(b) = 1;
      if (!codec_exists("G729", "16000")) $var(c) = 1;
      if (codec_exists_re("^telephone")) $var(d) = 1;
      if (!codec_exists("opus")) $var(e) = 1;`);
    expect(vars).toEqual({ a: 1, b: 1, c: 1, d: 1, e: 1 });
  });

  it('codec_delete removes the payload type and its attribute lines', async () => {
    const { vars, sdp } = await run('codec_delete("telephone-event"); $var(rc) = $rc; codec_delete("opus"); $var(none) = $rc;');
    expect(vars).toEqual({ rc: 1, none: -1 });
    expect(sdp).toContain('m=audio 4000 RTP/AVP 0 8 18\r\na=sendrecv\r\n');
    expect(sdp).not.toContain('101');
  });

  it('codec_delete_except_re keeps only the matching codecs', async () => {
    const { sdp } = await run('codec_delete_except_re("PCM.");');
    expect(sdp).toContain('m=audio 4000 RTP/AVP 0 8\r\na=sendrecv\r\n');
    expect(sdp).toContain('m=video 4002 RTP/AVP\r\n');
  });

  it('codec_move_up / codec_move_down reorder the media line', async () => {
    expect((await run('codec_move_up("G729");')).sdp).toContain('m=audio 4000 RTP/AVP 18 0 8 101\r\n');
    expect((await run('codec_move_down_re("PCM");')).sdp).toContain('m=audio 4000 RTP/AVP 18 101 0 8\r\n');
  });
});

describe('stream_* and is_audio_on_hold', () => {
  it('stream_exists / stream_delete match media and transport', async () => {
    const { vars, sdp } = await run(`
      if (stream_exists("video")) $var(v) = 1;
      if (!stream_exists("audio", "SAVP")) $var(s) = 1;
      stream_delete("video"); $var(d) = $rc;`);
    expect(vars).toEqual({ v: 1, s: 1, d: 1 });
    expect(sdp.endsWith('a=sendrecv\r\n')).toBe(true);
    expect(sdp).not.toContain('m=video');
  });

  it('is_audio_on_hold sees sendonly/inactive and 0.0.0.0', async () => {
    const hold = async (sdp: string) => (await run('if (is_audio_on_hold()) $var(h) = 1; else $var(h) = -1;', sdp)).vars.h;
    expect(await hold(SDP)).toBe(-1);
    expect(await hold(SDP.replace('a=sendrecv', 'a=sendonly'))).toBe(1);
    expect(await hold(SDP.replace('c=IN IP4 192.0.2.10', 'c=IN IP4 0.0.0.0'))).toBe(1);
  });
});
