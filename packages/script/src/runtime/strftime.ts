/** C strftime subset for $time(format) and $Tf, in local time like OpenSIPS. */
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

function pad(n: number, width = 2, fill = '0'): string {
  let s = String(n);
  while (s.length < width) s = fill + s;
  return s;
}

export function strftime(format: string, d: Date): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%' || i + 1 >= format.length) {
      out += c;
      continue;
    }
    const f = format[++i]!;
    switch (f) {
      case 'a': out += DAYS[d.getDay()]!.slice(0, 3); break;
      case 'A': out += DAYS[d.getDay()]!; break;
      case 'b': case 'h': out += MONTHS[d.getMonth()]!.slice(0, 3); break;
      case 'B': out += MONTHS[d.getMonth()]!; break;
      case 'c': out += strftime('%a %b %e %H:%M:%S %Y', d); break;
      case 'C': out += pad(Math.floor(d.getFullYear() / 100)); break;
      case 'd': out += pad(d.getDate()); break;
      case 'D': out += strftime('%m/%d/%y', d); break;
      case 'e': out += pad(d.getDate(), 2, ' '); break;
      case 'F': out += strftime('%Y-%m-%d', d); break;
      case 'H': out += pad(d.getHours()); break;
      case 'I': out += pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12); break;
      case 'j': {
        const start = new Date(d.getFullYear(), 0, 1);
        out += pad(Math.floor((d.getTime() - start.getTime()) / 86400000) + 1, 3);
        break;
      }
      case 'm': out += pad(d.getMonth() + 1); break;
      case 'M': out += pad(d.getMinutes()); break;
      case 'n': out += '\n'; break;
      case 'p': out += d.getHours() < 12 ? 'AM' : 'PM'; break;
      case 'R': out += strftime('%H:%M', d); break;
      case 's': out += String(Math.floor(d.getTime() / 1000)); break;
      case 'S': out += pad(d.getSeconds()); break;
      case 't': out += '\t'; break;
      case 'T': out += strftime('%H:%M:%S', d); break;
      case 'u': out += String(d.getDay() === 0 ? 7 : d.getDay()); break;
      case 'w': out += String(d.getDay()); break;
      case 'y': out += pad(d.getFullYear() % 100); break;
      case 'Y': out += String(d.getFullYear()); break;
      case 'z': {
        const off = -d.getTimezoneOffset();
        out += (off >= 0 ? '+' : '-') + pad(Math.floor(Math.abs(off) / 60)) + pad(Math.abs(off) % 60);
        break;
      }
      case '%': out += '%'; break;
      default: out += `%${f}`;
    }
  }
  return out;
}
