import { parseScript } from './load';
import { CORE_PARAMS } from './core-params';

const diags = (src: string) => parseScript(src, 'c.cfg').diagnostics.map((d) => [d.severity, d.message, d.loc.line, d.loc.column, d.suggestion]);

it('knows the parameters of the 3.x/4.x grammar and the 2.x spellings', () => {
  for (const name of ['log_level', 'udp_workers', 'socket', 'dst_blacklist', 'stderror_enabled', 'children', 'listen', 'log_stderror', 'mem-group', 'auto_scaling_profile', 'tcp_threads']) {
    expect(CORE_PARAMS.has(name)).toBe(true);
  }
});

it('reports an unknown core parameter with the nearest name', () => {
  expect(diags('log_levl = 3\nfoo_bar_baz = 1')).toEqual([
    ['error', "unknown core parameter 'log_levl'", 1, 1, 'log_level'],
    ['error', "unknown core parameter 'foo_bar_baz'", 2, 1, undefined],
  ]);
});

it('reports a value of the wrong kind where the value is', () => {
  expect(diags('log_level = "3"\nserver_header = 12\ndebug_mode = 7\nsyslog_facility = LOG_LOCAL0\nudp_workers = eight')).toEqual([
    ['error', "'log_level' takes a number", 1, 13, undefined],
    ['error', "'server_header' takes a quoted string", 2, 17, undefined],
    ['error', "'debug_mode' is yes or no, not 7", 3, 14, undefined],
    ['error', "'udp_workers' takes a number", 5, 15, undefined],
  ]);
});

it('accepts 2.x names with a notice that shows the current spelling', () => {
  expect(diags('children = 4\nlisten = udp:127.0.0.1:5060\nlog_stderror = yes')).toEqual([
    ['notice', "'children' is the OpenSIPS 2.x name of 'udp_workers'", 1, 1, 'udp_workers'],
    ['notice', "'listen' is the OpenSIPS 2.x name of 'socket'", 2, 1, 'socket'],
    ['notice', "'log_stderror' is the OpenSIPS 2.x name of 'stderror_enabled'", 3, 1, 'stderror_enabled'],
  ]);
});
