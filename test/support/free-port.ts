// A free loopback port for a server the tests start (MLflow, fake-gcs-server, moto). Another process can take it
// between this check and the server's bind; the starters that see that happen try again with a fresh one.
import { createServer } from "node:net";

/** Asks the OS for a free port on 127.0.0.1 and gives it back. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
