// A minimal DNS server for the local cluster: it answers A queries for one
// name with the loopback addresses of the gateways, standing in for
// Docker's embedded DNS so that HAProxy discovers replicas the same way.

import dgram from 'node:dgram';

const TYPE_A = 1;
const CLASS_IN = 1;
const FLAGS_RESPONSE = 0x8400; // QR + AA
const RCODE_NXDOMAIN = 3;

export interface DnsResponder {
  readonly port: number;
  /** Changes the addresses answered from now on. */
  setAddresses(addresses: readonly string[]): void;
  close(): Promise<void>;
}

/** Reads the question name; returns it lower-cased and the offset after QTYPE/QCLASS. */
function readQuestion(msg: Buffer): { name: string; type: number; end: number } | null {
  let at = 12;
  const labels: string[] = [];
  while (at < msg.length) {
    const len = msg[at] as number;
    if (len === 0) break;
    if (len > 63) return null;
    labels.push(msg.toString('latin1', at + 1, at + 1 + len));
    at += len + 1;
  }
  if (at + 5 > msg.length) return null;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(at + 1), end: at + 5 };
}

export function startDnsResponder(name: string, addresses: readonly string[]): Promise<DnsResponder> {
  let answers = [...addresses];
  const wanted = name.toLowerCase();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, from) => {
    if (msg.length < 12) return;
    const question = readQuestion(msg);
    if (question === null) return;
    const known = question.name === wanted;
    const records = known && question.type === TYPE_A ? answers : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(FLAGS_RESPONSE | (known ? 0 : RCODE_NXDOMAIN), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(records.length, 6);
    const parts = [header, msg.subarray(12, question.end)];
    for (const address of records) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // a pointer to the question's name
      rr.writeUInt16BE(TYPE_A, 2);
      rr.writeUInt16BE(CLASS_IN, 4);
      rr.writeUInt32BE(1, 6); // TTL: one second
      rr.writeUInt16BE(4, 10);
      const octets = address.split('.');
      for (let i = 0; i < 4; i++) rr.writeUInt8(Number(octets[i]), 12 + i);
      parts.push(rr);
    }
    socket.send(Buffer.concat(parts), from.port, from.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      resolve({
        port: socket.address().port,
        setAddresses: (next) => {
          answers = [...next];
        },
        close: () => new Promise((done) => socket.close(() => done())),
      });
    });
  });
}
