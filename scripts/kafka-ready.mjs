#!/usr/bin/env node
// Exits 0 once a Kafka broker answers a Metadata request (API key 3, v0) with
// at least one broker; exits 1 after the timeout. No dependencies, so it runs
// before `npm ci`. Usage: node scripts/kafka-ready.mjs HOST:PORT [TIMEOUT_S]
import net from 'node:net';

const [host, portText] = (process.argv[2] ?? '127.0.0.1:19092').split(':');
const port = Number(portText);
const deadline = Date.now() + Number(process.argv[3] ?? 90) * 1000;

function metadataRequest() {
  const clientId = Buffer.from('tally-ready');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
  let o = 0;
  o = body.writeInt16BE(3, o); // api key: Metadata
  o = body.writeInt16BE(0, o); // api version 0
  o = body.writeInt32BE(7, o); // correlation id
  o = body.writeInt16BE(clientId.length, o);
  o += clientId.copy(body, o);
  body.writeInt32BE(0, o); // topics: empty array
  const frame = Buffer.alloc(4);
  frame.writeInt32BE(body.length, 0);
  return Buffer.concat([frame, body]);
}

function probe() {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = Buffer.alloc(0);
    const fail = () => { socket.destroy(); resolve(false); };
    socket.setTimeout(3000, fail);
    socket.on('error', fail);
    socket.on('connect', () => socket.write(metadataRequest()));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length < 4 || data.length < 4 + data.readInt32BE(0)) return;
      // size(4) correlation(4) brokers: count(4) …
      const ok = data.readInt32BE(4) === 7 && data.readInt32BE(8) >= 1;
      socket.end();
      resolve(ok);
    });
  });
}

while (Date.now() < deadline) {
  if (await probe()) process.exit(0);
  await new Promise((r) => setTimeout(r, 500));
}
console.error(`kafka-ready: no Metadata answer from ${host}:${port}`);
process.exit(1);
