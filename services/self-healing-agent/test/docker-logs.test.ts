import { demuxLogs } from '../src/runtime/docker.runtime';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe("a container's log as the Engine sends it", () => {
  it('joins the frames of stdout and stderr in order, also a UTF-8 character split across two frames', () => {
    const euro = Buffer.from('€'); // 3 bytes
    const split = Buffer.concat([
      frame(1, 'started\n'),
      frame(2, 'warn: disk '),
      Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 2]), euro.subarray(0, 2)]),
      Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 2]), euro.subarray(2), Buffer.from('\n')]),
    ]);
    expect(demuxLogs(split)).toBe('started\nwarn: disk €\n');
  });

  it('takes the raw text of a container with a TTY as it is', () => {
    expect(demuxLogs(Buffer.from('listening on 8080\r\nready\r\n'))).toBe('listening on 8080\r\nready\r\n');
  });

  it('stops at a cut-off frame instead of reading past the end', () => {
    const whole = frame(1, 'complete line\n');
    const cut = frame(1, 'this frame was cut off').subarray(0, 12);
    expect(demuxLogs(Buffer.concat([whole, cut]))).toBe('complete line\nthis');
  });
});
