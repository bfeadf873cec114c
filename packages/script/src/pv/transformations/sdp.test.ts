import { parsePvSpec } from '../pv-syntax';
import { findTransform } from './registry';
import { chain, tr } from './test-helpers';

const SDP = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 host.example.com',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'm=video 51372 RTP/AVP 31',
  'a=rtpmap:31 H261/90000',
  '',
].join('\r\n');

describe('sdp.*', () => {
  it('sdp.line returns the N-th line of a type', () => {
    expect(tr('sdp.line', SDP, 'v')).toBe('v=0');
    expect(tr('sdp.line', SDP, 'm')).toBe('m=audio 49170 RTP/AVP 0 8');
    expect(tr('sdp.line', SDP, 'a', '1')).toBe('a=rtpmap:8 PCMA/8000');
    expect(tr('sdp.line', SDP, 'a', '3')).toBeNull();
    expect(tr('sdp.line', SDP, 'z')).toBeNull();
    expect(tr('sdp.line', 'v=0\nm=audio 1 RTP/AVP 0', 'm')).toBeNull(); // no CR: malformed for OpenSIPS
    expect(chain('$(rb{sdp.line,a,1})', SDP)).toBe('a=rtpmap:8 PCMA/8000');
    expect(parsePvSpec('$(rb{sdp.line,m})').transforms[0].args).toEqual([{ kind: 'literal', text: 'm' }]);
    expect(findTransform('sdp.line')!.checkArgs!(['a', '-1'])).toBe('sdp.line: the line index must not be negative');
  });
  it('sdp.stream by index or media type', () => {
    expect(tr('sdp.stream', SDP, '0')).toBe('m=audio 49170 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n');
    expect(tr('sdp.stream', SDP, '-1')).toBe('m=video 51372 RTP/AVP 31\r\na=rtpmap:31 H261/90000\r\n');
    expect(tr('sdp.stream', SDP, 'VIDEO')).toBe('m=video 51372 RTP/AVP 31\r\na=rtpmap:31 H261/90000\r\n');
    expect(tr('sdp.stream', SDP, '2')).toBeNull();
    expect(tr('sdp.stream', SDP, 'text')).toBeNull();
    expect(chain('$(rb{sdp.stream,$var(i)})', SDP, { '$var(i)': 1 })).toBe('m=video 51372 RTP/AVP 31\r\na=rtpmap:31 H261/90000\r\n');
  });
  it('sdp.stream-delete returns the body without the streams', () => {
    const head = SDP.slice(0, SDP.indexOf('m=audio'));
    expect(tr('sdp.stream-delete', SDP, 'video')).toBe(head + 'm=audio 49170 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n');
    expect(tr('sdp.stream-delete', SDP, '0')).toBe(head + 'm=video 51372 RTP/AVP 31\r\na=rtpmap:31 H261/90000\r\n');
    expect(tr('sdp.stream-delete', SDP, 'text')).toBeNull();
  });
  it('NULL and empty input give NULL', () => {
    expect(tr('sdp.line', null, 'v')).toBeNull();
    expect(tr('sdp.stream', '', '0')).toBeNull();
  });
});
