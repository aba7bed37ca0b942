// The ceiling: the least a Node line server can do per line. It answers
// every LF-terminated line with a fixed reply, one write per chunk.
// Usage: node ceiling-server.js <reply>; prints its port on stdout.

import net from 'node:net';

const reply = Buffer.from(`${process.argv[2] ?? 'PONG'}\r\n`);
const MAX_BATCH = 65536;
const replies = Buffer.alloc(reply.length * MAX_BATCH);
for (let i = 0; i < MAX_BATCH; i++) reply.copy(replies, i * reply.length);

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (chunk: Buffer) => {
    let lines = 0;
    let nl = chunk.indexOf(10);
    while (nl !== -1) {
      lines++;
      nl = chunk.indexOf(10, nl + 1);
    }
    if (lines > 0) socket.write(replies.subarray(0, Math.min(lines, MAX_BATCH) * reply.length));
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`${address.port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
