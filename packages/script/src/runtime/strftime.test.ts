import { strftime } from './strftime';

describe('strftime', () => {
  it('formats the common conversions in local time', () => {
    const d = new Date(2026, 0, 2, 3, 4, 5);
    expect(strftime('%Y-%m-%d %H:%M:%S', d)).toBe('2026-01-02 03:04:05');
    expect(strftime('%a %b %e %T %y %j %%', d)).toBe('Fri Jan  2 03:04:05 26 002 %');
    expect(strftime('%F %R %p %I %u %w', d)).toBe('2026-01-02 03:04 AM 03 5 5');
    expect(strftime('%s', d)).toBe(String(Math.floor(d.getTime() / 1000)));
    expect(strftime('no conversions', d)).toBe('no conversions');
    expect(strftime('%Q', d)).toBe('%Q');
  });
});
