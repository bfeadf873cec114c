import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedDir } from '@tsips/test-support';
import { allModules } from '@tsips/modules';
import { checkScriptFile } from './check-command';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

describe('examples/ scripts', () => {
  const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.cfg'));

  it('has the residential, trunking and load-balancer configs', () => {
    expect(files).toEqual(expect.arrayContaining(['opensips.cfg', 'trunking.cfg', 'load-balancer.cfg']));
  });

  it.each(files)('%s loads, checks and compiles with no error', (file) => {
    const outcome = checkScriptFile(path.join(EXAMPLES, file), allModules);
    expect(outcome.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(outcome.compiled).not.toBeNull();
  });
});

describe("the talk's five snippets, unmodified", () => {
  const snippet = (name: string): string => sharedDir('seed', 'snippets', name);

  // A script around the snippets: the global one at top level, the others inside routes,
  // each pulled in with include_file from ../shared so not a byte is retyped.
  const script = `
socket = udp:127.0.0.1:5060
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "dialog.so"
loadmodule "db_sqlite.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "cachedb_local.so"
loadmodule "drouting.so"
modparam("drouting", "db_url", "sqlite://var/tsips.db")
include_file "${snippet('blacklists-global.cfg')}"

route {
    if (has_totag()) {
        include_file "${snippet('in-dialog.cfg')}"
        t_relay();
        exit;
    }
    if (is_method("REGISTER")) {
        include_file "${snippet('contact-check.cfg')}"
        route(auth);
        save("location");
        exit;
    }
    include_file "${snippet('blacklists-route.cfg')}"
    t_relay();
}

route[auth] {
    include_file "${snippet('auth-failures.cfg')}"
}
`;

  it('all five load, check and compile, with the notices and warnings tsips promises', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsips-talk-'));
    const file = path.join(dir, 'talk.cfg');
    fs.writeFileSync(file, script);
    const outcome = checkScriptFile(file, allModules);
    const errors = outcome.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toEqual([]);
    expect(outcome.compiled).not.toBeNull();
    for (const name of ['in-dialog.cfg', 'contact-check.cfg', 'blacklists-route.cfg', 'auth-failures.cfg', 'blacklists-global.cfg']) {
      expect(outcome.files.has(snippet(name))).toBe(true);
    }
    const byFile = (name: string) => outcome.diagnostics.filter((d) => d.loc.file === snippet(name));
    // contact-check.cfg writes $varv(i): accepted as $var with a warning naming the line.
    expect(byFile('contact-check.cfg')).toEqual(
      expect.arrayContaining([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('$varv') })]),
    );
    // auth-failures.cfg writes send_reply("403", ...): the 2.x spelling, accepted with a notice.
    expect(byFile('auth-failures.cfg')).toEqual(
      expect.arrayContaining([expect.objectContaining({ severity: 'notice', message: expect.stringContaining('403') })]),
    );
  });
});
