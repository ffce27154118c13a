// The least a Node process can spend on a verified download, for the benchmark's note beside curl: one GET on a raw
// socket (no HTTP parser: the response head is split off by hand, the body must have a Content-Length), read into one
// reused 1 MiB buffer (`onread`, so no allocation per read), each read hashed with sha256 and written to the file
// with writeSync. Not a client anyone should use: no chunked bodies, TLS, redirects or error handling.
//
//   node bench/raw-get.mjs <http URL> <output file>       (prints the sha256 of the body)
import { createHash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { connect } from "node:net";

const [url, out] = process.argv.slice(2);
const target = new URL(url);
const hash = createHash("sha256");
const fd = openSync(out, "w");
let remaining = -1;
let head = Buffer.alloc(0);
const socket = connect({
  host: target.hostname,
  port: Number(target.port || 80),
  onread: {
    buffer: Buffer.allocUnsafe(1024 * 1024),
    callback(n, buffer) {
      let body = buffer.subarray(0, n);
      if (remaining < 0) {
        head = Buffer.concat([head, body]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const text = head.subarray(0, end).toString("latin1");
        if (!/^HTTP\/1\.1 200/.test(text)) throw new Error(`not a 200: ${text.split("\r\n")[0]}`);
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
        if (!length) throw new Error("the response has no Content-Length");
        remaining = Number(length[1]);
        body = head.subarray(end + 4);
      }
      hash.update(body);
      for (let at = 0; at < body.length; ) at += writeSync(fd, body, at);
      remaining -= body.length;
      if (remaining === 0) {
        closeSync(fd);
        socket.destroy();
        console.log(hash.digest("hex"));
      }
    },
  },
});
socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`);
