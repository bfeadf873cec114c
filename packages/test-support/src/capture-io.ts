/** An `{ out, err }` pair (what the command lines write to) that keeps what was written. */
export interface CapturedIo {
  stdout: string;
  stderr: string;
  out: (text: string) => void;
  err: (text: string) => void;
}

export function captureIo(): CapturedIo {
  const io: CapturedIo = {
    stdout: '',
    stderr: '',
    out: (t) => { io.stdout += t; },
    err: (t) => { io.stderr += t; },
  };
  return io;
}
