/**
 * Where the torture messages come from. The RFC 4475 files are read-only
 * project inputs in ../shared/ beside the checkout (TSIPS_SHARED overrides
 * the location); they are never copied into the repository. This module is
 * used by the tests (from src/) and by scripts/fuzz-sip.js (from dist/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedDir } from '@tsips/test-support';
import { RFC5118_CASES } from './rfc5118-messages';

export interface CorpusMessage {
  /** File name (RFC 4475) or RFC 5118 message name. */
  name: string;
  data: Buffer;
}

export function rfc4475Dir(): string {
  return sharedDir('conformance', 'rfc4475');
}

/** One RFC 4475 file, byte for byte. */
export function readRfc4475(file: string): Buffer {
  return fs.readFileSync(path.join(rfc4475Dir(), file));
}

/** Every .dat file of the RFC 4475 archive, sorted by name. */
export function loadRfc4475(): CorpusMessage[] {
  return fs
    .readdirSync(rfc4475Dir())
    .filter((f) => f.endsWith('.dat'))
    .sort()
    .map((name) => ({ name, data: readRfc4475(name) }));
}

/** The RFC 5118 messages as datagrams. */
export function loadRfc5118(): CorpusMessage[] {
  return RFC5118_CASES.map((c) => ({ name: `rfc5118:${c.name}`, data: Buffer.from(c.text, 'utf8') }));
}

/** The whole torture corpus (the fuzzer's seeds). */
export function loadCorpus(): CorpusMessage[] {
  return [...loadRfc4475(), ...loadRfc5118()];
}
