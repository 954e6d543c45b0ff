import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getCACertificates, setDefaultCACertificates } from "node:tls";

/**
 * HTTPS in front of a local HTTP service, as a TLS-terminating proxy does in production: WooCommerce
 * delivers keys only to an https `callback_url`. The certificate is self-signed for 127.0.0.1 (made
 * with the openssl command line) and added to this process's trusted CAs, so the fake stores and the
 * test's fetches accept it. The upstream port is set once the service is up.
 */
export interface TlsProxy {
  readonly url: string;
  target: number | null;
  stop(): Promise<void>;
}

export async function startTlsProxy(): Promise<TlsProxy> {
  const dir = mkdtempSync(join(tmpdir(), "metricsdash-tls-"));
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  // prettier-ignore
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  const cert = readFileSync(certFile, "utf8");
  setDefaultCACertificates([...getCACertificates("default"), cert]);

  const proxy: { target: number | null } = { target: null };
  const server: Server = createServer({ key: readFileSync(keyFile), cert }, (req, res) => {
    if (!proxy.target) {
      res.writeHead(503).end("upstream not started");
      return;
    }
    const upstream = request(
      {
        host: "127.0.0.1",
        port: proxy.target,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, "x-forwarded-proto": "https" },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`upstream: ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `https://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
